"""DP-SGD step time divided by non-private step time on the census MLP (batch 256).

Every mode trains the same model on the same real Adult batches; modes are timed in
interleaved rounds and the median per-step time is reported, so background load affects all
modes alike. The clipping modes are opacus's (hooks, functorch, ew, ghost) and ours
(bookkeeping: one backward pass, clipped sums by one matmul per layer, noise and accounting by
opacus). Usage: python benchmarks/bench_dp_step.py [--device cuda] [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import torch
from torch.utils.data import DataLoader, TensorDataset

from audit.data import load_adult
from audit.dp import weighted_cross_entropy
from audit.models import TabularMLP
from audit.privacy import PrivacyConfig, make_private_training

MODES = ("plain", "bookkeeping", "hooks", "functorch", "ew", "ghost")


def make_stepper(mode: str, X: torch.Tensor, y: torch.Tensor, device: torch.device):
    torch.manual_seed(0)
    model = TabularMLP(X.shape[1]).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader(TensorDataset(X, y), batch_size=256)
    loss_fn = weighted_cross_entropy
    if mode != "plain":
        private = make_private_training(
            model, opt, loader, epochs=1, seed=0,
            privacy=PrivacyConfig(noise_multiplier=1.0, poisson_sampling=False,
                                  grad_sample_mode=mode, delta=1e-6))
        model, opt, loss_fn = private.model, private.optimizer, private.loss_fn
    batches = [(a.to(device), b.to(device)) for a, b in loader][:-1]  # full batches only

    def run_steps(n: int) -> float:
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        for i in range(n):
            a, b = batches[i % len(batches)]
            opt.zero_grad(set_to_none=True)
            loss_fn(model(a), b, None).backward()
            opt.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        return (time.perf_counter() - start) / n

    run_steps(10)  # warm-up
    return run_steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=40)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    device = torch.device(args.device)
    data = load_adult()
    X, y = torch.from_numpy(data.train.X), torch.from_numpy(data.train.y)
    steppers = {mode: make_stepper(mode, X, y, device) for mode in MODES}
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    for _ in range(args.rounds):
        for mode in MODES:
            times[mode].append(steppers[mode](args.steps))
    base = statistics.median(times["plain"])
    print(f"device {device}, torch threads {torch.get_num_threads()}, census MLP "
          f"{X.shape[1]}-128-64-2, batch 256, median of {args.rounds} rounds x {args.steps} steps")
    print(f"{'mode':<12} {'ms/step':>9} {'ratio vs non-private':>22}")
    for mode in MODES:
        t = statistics.median(times[mode])
        print(f"{mode:<12} {t * 1e3:>9.3f} {t / base:>22.2f}")
    best = min((m for m in MODES if m != "plain"), key=lambda m: statistics.median(times[m]))
    print(f"fastest DP mode: {best} ({statistics.median(times[best]) / base:.2f}x non-private)")


if __name__ == "__main__":
    main()
