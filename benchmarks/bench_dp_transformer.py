"""DP-SGD step time and peak memory / non-private, on the issue's BERT shape (or census MLP).

A 4-layer BERT (hidden 256, 4 heads, intermediate 1024, vocabulary 30,522, 128 tokens) built
from a ``BertConfig`` (no download), trained on random token batches through
``make_private_training`` exactly as ``fit`` does (per-example embedding hooks included).
Modes are timed in interleaved rounds (median per-step time) so background load hits all alike.
Peak memory: ``torch.cuda.max_memory_allocated`` on a GPU; on the CPU each mode runs one more
time in a fresh process and reports its peak resident set (VmHWM) minus its RSS before the
model was built (model, optimizer state, activations, DP state).
``--model census``: the census MLP on real Adult batches (default batches 256 and 4096).
Usage: python benchmarks/bench_dp_transformer.py [--device cuda] [--batch 32 128] [--profile]
       python benchmarks/bench_dp_transformer.py --model census --modes bookkeeping hooks
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import warnings

import torch
from torch.utils.data import DataLoader, Dataset

MODES = ("plain", "hooks", "ghost", "bookkeeping")


class RandomTokens(Dataset):
    def __init__(self, n: int, length: int, vocab: int, seed: int = 0) -> None:
        g = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(0, vocab, (n, length), generator=g)
        self.y = torch.randint(0, 2, (n,), generator=g)

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "attention_mask": torch.ones_like(self.ids[i])}, self.y[i]


def build(args):
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    return BertForSequenceClassification(BertConfig(
        vocab_size=args.vocab, hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
        intermediate_size=1024, max_position_embeddings=512))


def census_data():
    from torch.utils.data import TensorDataset

    from audit.data import load_adult

    data = load_adult()
    return TensorDataset(torch.from_numpy(data.train.X), torch.from_numpy(data.train.y))


def make_stepper(mode: str, batch: int, args, device: torch.device):
    from audit.dp import weighted_cross_entropy
    from audit.privacy import PrivacyConfig, make_private_training

    if args.model == "census":
        from audit.models import TabularMLP

        data = census_data()
        torch.manual_seed(0)
        model = TabularMLP(data.tensors[0].shape[1]).to(device)
    else:
        data = RandomTokens(batch * 4, args.seq, args.vocab)
        model = build(args).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    loader = DataLoader(data, batch_size=batch, drop_last=True)
    loss_fn = weighted_cross_entropy
    if mode != "plain":
        private = make_private_training(
            model, opt, loader, epochs=1, seed=0,
            privacy=PrivacyConfig(noise_multiplier=1.0, poisson_sampling=False,
                                  grad_sample_mode=mode, delta=1e-5))
        model, opt, loss_fn = private.model, private.optimizer, private.loss_fn
    batches = [({k: v.to(device) for k, v in x.items()} if isinstance(x, dict) else x.to(device),
                y.to(device)) for x, y in loader]

    def run_steps(n: int) -> float:
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        for i in range(n):
            x, y = batches[i % len(batches)]
            opt.zero_grad(set_to_none=True)
            out = model(**x) if isinstance(x, dict) else model(x)
            loss_fn(getattr(out, "logits", out), y, None).backward()
            opt.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        return (time.perf_counter() - start) / n

    return run_steps


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def memory_child(args) -> None:
    """One mode in a fresh process: peak RSS over 2 steps above the RSS before the model is
    built (model, optimizer state, activations and DP book-keeping: what a GPU's
    ``max_memory_allocated`` counts)."""
    device = torch.device("cpu")
    if args.model == "census":
        census_data()  # data loaded before the base reading
    import transformers  # noqa: F401  (library import outside the measured footprint)

    base = _rss_kib("VmRSS:")
    step = make_stepper(args.child, args.batch[0], args, device)
    step(2)
    print(json.dumps({"peak_mib": (_rss_kib("VmHWM:") - base) / 1024}))


def peak_memory(mode: str, batch: int, args, device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        make_stepper(mode, batch, args, device)(2)
        return (torch.cuda.max_memory_allocated() - base) / 2**20
    cmd = [sys.executable, __file__, "--child", mode, "--batch", str(batch), "--seq", str(args.seq),
           "--model", args.model,
           "--vocab", str(args.vocab), "--threads", str(args.threads)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])["peak_mib"]


def profile(batch: int, modes: list[str], args, device: torch.device) -> None:
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    for mode in modes:
        step = make_stepper(mode, batch, args, device)
        step(1)
        acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
        with torch_profile(activities=acts) as prof:
            step(2)
        print(f"--- profile: {mode}, batch {batch} (2 steps) ---")
        sort = "self_cuda_time_total" if device.type == "cuda" else "self_cpu_time_total"
        print(prof.key_averages().table(sort_by=sort, row_limit=args.profile_rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--model", choices=["bert", "census"], default="bert",
                        help="the issue's BERT shape, or the census MLP on real Adult batches")
    parser.add_argument("--batch", type=int, nargs="+",
                        help="default: 32 128 (bert), 256 4096 (census)")
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--vocab", type=int, default=30522)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--modes", nargs="+", default=list(MODES[1:]),
                        help="DP modes to compare with the non-private step")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--profile", action="store_true", help="print torch.profiler tables")
    parser.add_argument("--profile-rows", type=int, default=25)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(args.threads)
    if args.child:
        memory_child(args)
        return
    device = torch.device(args.device)
    args.batch = args.batch or ([256, 4096] if args.model == "census" else [32, 128])
    modes = ["plain", *[m for m in args.modes if m != "plain"]]
    if args.profile:
        profile(args.batch[0], modes, args, device)
        return
    shape = ("census MLP (TabularMLP), real Adult batches" if args.model == "census" else
             f"BERT 4x256 (heads 4, ffn 1024, vocab {args.vocab}), {args.seq} tokens")
    print(f"device {device}, torch threads {torch.get_num_threads()}, {shape}; median of "
          f"{args.rounds} rounds x {args.steps} steps")
    print(f"{'batch':>5} {'mode':<8} {'ms/step':>9} {'time ratio':>11} {'peak MiB':>9} {'mem ratio':>10}")
    for batch in args.batch:
        steppers = {mode: make_stepper(mode, batch, args, device) for mode in modes}
        for mode in modes:
            steppers[mode](1)  # warm-up
        times: dict[str, list[float]] = {mode: [] for mode in modes}
        for _ in range(args.rounds):
            for mode in modes:
                times[mode].append(steppers[mode](args.steps))
        del steppers
        mem = {} if args.no_memory else {m: peak_memory(m, batch, args, device) for m in modes}
        base_t = statistics.median(times["plain"])
        for mode in modes:
            t = statistics.median(times[mode])
            m = mem.get(mode, float("nan"))
            print(f"{batch:>5} {mode:<8} {t * 1e3:>9.1f} {t / base_t:>11.2f} {m:>9.0f} "
                  f"{m / mem.get('plain', float('nan')):>10.2f}", flush=True)


if __name__ == "__main__":
    main()
