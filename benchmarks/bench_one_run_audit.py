"""The one-run canary audit (Steinke, Nasr and Jagielski 2023) on the census MLP: the bound
against the accountant's epsilon per grad-sample mode and epsilon, a deliberately broken
engine, and black-box canaries on non-private and DP runs.

The census sample's architecture (TabularMLP [128, 64], dropout 0.1), batch 256, Adam lr 1e-3,
on the 29,304 Adult training rows (``--rows`` to subsample). Each line is one training run
with ``m`` canaries, guesses fixed beforehand (5% of m on each side), 95% confidence, delta the
accountant's (1e-6 for the full training split).

Usage: python benchmarks/bench_one_run_audit.py [--epochs 5] [--m 1000] [--modes hooks,...]
       [--epsilons 1,4,8] [--broken] [--black-box [--black-box-epochs 10]]
"""

from __future__ import annotations

import argparse
import time
import warnings

import torch

from audit.data import load_adult
from audit.dp import GradientCanaries, PrivacyConfig
from audit.models import TabularMLP
from audit.privacy import ExampleCanaries
from audit.training import fit, seed_everything


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--m", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=0, help="subsample the training rows")
    parser.add_argument("--modes", default="hooks,functorch,ghost,bookkeeping")
    parser.add_argument("--epsilons", default="1,4,8")
    parser.add_argument("--broken", action="store_true", help="also a DP engine without noise "
                        "and one without clipping (hooks mode)")
    parser.add_argument("--black-box", action="store_true", help="also black-box canaries")
    parser.add_argument("--black-box-epochs", type=int, default=10,
                        help="epochs of the black-box runs (the census sample's 10)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore", message="Secure RNG turned off")
    warnings.filterwarnings("ignore", message="Full backward hook is firing")
    dataset = load_adult()
    train = dataset.train.to_torch()
    if args.rows:
        train = torch.utils.data.TensorDataset(*(t[:args.rows] for t in train.tensors))
    settings = {"epochs": args.epochs, "batch_size": 256, "optimizer": "adam",
                "learning_rate": 1e-3, "device": "cpu", "progress": False}
    print(f"{len(train)} training rows, {settings['epochs']} epochs, m = {args.m}")

    def run(privacy, canaries, label, **changes):
        seed_everything(0)
        model = TabularMLP(dataset.n_features, [128, 64], dropout=0.1)
        tick = time.perf_counter()
        out = fit(model, train, privacy=privacy, canaries=canaries, seed=0,
                  **{**settings, **changes})
        a = out.canary_audit
        eps = "inf (no DP)" if a.accountant_epsilon is None else f"{a.accountant_epsilon:.3f}"
        print(f"{label:44s} bound {a.epsilon_lower_bound:6.3f}  accountant {eps:>11s}  "
              f"correct {a.n_correct}/{a.n_guesses}  max provable {a.max_provable:.2f}  "
              f"consistent {a.consistent}  {time.perf_counter() - tick:5.1f} s")
        return a

    epsilons = [float(e) for e in args.epsilons.split(",") if e]
    for mode in [m for m in args.modes.split(",") if m]:
        for eps in epsilons:
            run(PrivacyConfig(target_epsilon=eps, grad_sample_mode=mode),
                GradientCanaries(args.m, seed=0), f"white-box {mode} eps {eps:g}")
    if args.broken:
        from opacus.optimizers import DPOptimizer

        add_noise, clip = DPOptimizer.add_noise, DPOptimizer.clip_and_accumulate

        def no_noise(self):
            for p in self.params:
                p.grad = p.summed_grad.view_as(p).clone()

        def no_clipping(self):
            for p in self.params:
                p.summed_grad = self._get_flat_grad_sample(p).sum(dim=0)
        for name, patch, fn in (("noise removed", "add_noise", no_noise),
                                ("clipping disabled", "clip_and_accumulate", no_clipping)):
            setattr(DPOptimizer, patch, fn)
            try:
                run(PrivacyConfig(target_epsilon=1.0, grad_sample_mode="hooks"),
                    GradientCanaries(args.m, seed=0), f"BROKEN ({name}) hooks eps 1")
            finally:
                DPOptimizer.add_noise, DPOptimizer.clip_and_accumulate = add_noise, clip
    if args.black_box:
        bb = {"epochs": args.black_box_epochs}
        run(None, ExampleCanaries(args.m, seed=0), f"black-box non-private, {bb['epochs']} ep.",
            **bb)
        for eps in epsilons:
            run(PrivacyConfig(target_epsilon=eps), ExampleCanaries(args.m, seed=0),
                f"black-box DP eps {eps:g} (bookkeeping), {bb['epochs']} ep.", **bb)


if __name__ == "__main__":
    main()
