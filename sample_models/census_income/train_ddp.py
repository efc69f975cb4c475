"""DP-SGD on the census MLP across processes: ``torchrun --nproc_per_node 2 -m
sample_models.census_income.train_ddp --out run/`` (gloo on CPUs, NCCL on GPUs).

Rank 0 writes ``summary.json`` (epsilon, steps, world size, seconds, examples/s) and
``fairness_counts.json`` (sex x race counts of its model's decisions on the test split); every
rank writes ``params_rank<r>.pt`` so that runs can check all processes ended with the same
weights. (Fairness over a table spread across machines is counted by its engine, Spark or
Dask, with :mod:`audit.predictions`; torch.distributed is for training.)
Without torchrun it trains in one process with the same settings (the 1-process reference).
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Subset, TensorDataset

from audit._io import atomic_write_text
from audit.core import GroupCounts
from audit.distributed import fit_private_distributed, init_distributed
from audit.dp import PrivacyConfig


def _test_counts(model: torch.nn.Module, data, ctx) -> GroupCounts:
    """Fairness counts (sex x race) of the trained model's decisions on the test split."""
    with torch.no_grad():
        logits = model(torch.from_numpy(data.test.X).to(ctx.device))
    decisions = (torch.softmax(logits, 1)[:, 1].cpu().numpy() >= 0.5).astype(np.int8)
    return GroupCounts.from_predictions(data.test.y, decisions,
                                        data.test.sensitive[["sex", "race"]].astype(str))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=256, help="global expected batch")
    parser.add_argument("--noise", type=float, default=1.0)
    parser.add_argument("--max-grad-norm", type=float, default=1.0)
    parser.add_argument("--subset", type=int, default=0, help="first N training rows (0: all)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message="Full backward hook is firing")
    warnings.filterwarnings("ignore", message="Secure RNG turned off")
    torch.set_num_threads(args.threads)
    ctx = init_distributed(args.device)
    try:
        from audit.data import load_adult
        from audit.models import TabularMLP

        data = load_adult()
        train = TensorDataset(torch.from_numpy(data.train.X), torch.from_numpy(data.train.y))
        if args.subset:
            train = Subset(train, range(min(args.subset, len(train))))
        torch.manual_seed(args.seed)
        model = TabularMLP(data.train.X.shape[1])
        run = fit_private_distributed(
            model, train, ctx, epochs=args.epochs, batch_size=args.batch_size, seed=args.seed,
            privacy=PrivacyConfig(noise_multiplier=args.noise, max_grad_norm=args.max_grad_norm,
                                  grad_sample_mode="hooks", delta=1e-5))
        args.out.mkdir(parents=True, exist_ok=True)
        torch.save({k: v.detach().cpu() for k, v in run.model.state_dict().items()},
                   args.out / f"params_rank{ctx.rank}.pt")
        if ctx.is_main:
            counts = _test_counts(run.model, data, ctx)
            summary = {"world_size": ctx.world_size, "backend": ctx.backend,
                       "epsilon": run.privacy.epsilon, "delta": run.privacy.delta,
                       "steps": run.privacy.steps, "sample_rate": run.privacy.sample_rate,
                       "noise_multiplier": run.privacy.noise_multiplier, "seconds": run.seconds,
                       # all processes together: one epoch covers the training set once
                       "examples_per_s": len(train) * run.epochs_completed / run.seconds,
                       "train_rows": len(train)}
            atomic_write_text(args.out / "summary.json", json.dumps(summary, indent=2))
            atomic_write_text(args.out / "fairness_counts.json", json.dumps(
                {"features": counts.features, "groups": counts.groups,
                 "counts": counts.counts.tolist()}))
    finally:
        ctx.close()


if __name__ == "__main__":
    main()
