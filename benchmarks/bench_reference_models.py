"""Reference models trained together vs one by one: 16 census MLPs, same run.

The architecture and training settings are the shipped census sample's
(sample_models/census_income/audit.yaml: TabularMLP [128, 64], dropout 0.1, Adam, lr 1e-3,
10 epochs, batch 256). The pool and the subsets are LiRA's: 5,000 members, 5,000 non-members
and every other Adult row; each reference model trains on its own half (the balanced design of
:func:`membership_inference_audit`). Both paths train the same models (same seeds); the script
also prints the largest parameter difference between the batched models and their one-by-one
twins.

Usage: python benchmarks/bench_reference_models.py [--n-reference 16] [--one-by-one 16]
(``--one-by-one 4`` times 4 separate fits and scales to 16, for a quick look.)
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import torch

from audit.data import load_adult
from audit.models import TabularMLP
from audit.privacy._attacks import _pool, _subset, make_reference_trainer, split_membership
from sample_models.census_income import config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-reference", type=int, default=16)
    parser.add_argument("--one-by-one", type=int, default=0,
                        help="separate fits to time (default: all n-reference)")
    parser.add_argument("--epochs", type=int, default=0, help="override the config's epochs")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads for both paths (1: no oversubscription on a "
                             "shared machine; 0: torch's default)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore", message="Secure RNG turned off")
    cfg = config()
    settings = {"epochs": cfg.training.epochs, "batch_size": cfg.training.batch_size,
                "optimizer": cfg.training.optimizer, "learning_rate": cfg.training.learning_rate,
                "weight_decay": cfg.training.weight_decay, "device": "cpu"}
    if args.epochs:
        settings["epochs"] = args.epochs
    dataset = load_adult()

    def build() -> TabularMLP:
        return TabularMLP(dataset.n_features, cfg.model.hidden_sizes, dropout=cfg.model.dropout)

    sets = split_membership(dataset.train, dataset.test, n=5000, seed=args.seed)
    pool = _pool([sets.members.to_torch(), sets.nonmembers.to_torch(),
                  sets.population.to_torch()])
    k = args.n_reference
    rng = np.random.default_rng(args.seed)
    in_pool = rng.uniform(size=(k, len(pool))).argsort(axis=0) < k // 2
    subsets = [np.flatnonzero(in_pool[i]) for i in range(k)]
    seeds = [int(s) for s in rng.integers(0, 2**31 - 1, size=k)]
    trainer = make_reference_trainer(build, together=True, **settings)
    print(f"torch threads {torch.get_num_threads()}, pool {len(pool)} rows, "
          f"{k} models of ~{int(np.mean([len(s) for s in subsets]))} rows, settings "
          f"{ {a: b for a, b in settings.items() if a != 'device'} }")

    t0, c0 = time.perf_counter(), time.process_time()
    batched, how = trainer.train_many(pool, subsets, seeds)
    t_batched, c_batched = time.perf_counter() - t0, time.process_time() - c0
    print(f"batched: {t_batched:.1f} s wall, {c_batched:.1f} s CPU ({how})")

    n_single = args.one_by_one or k
    t0, c0 = time.perf_counter(), time.process_time()
    singles = [trainer(_subset(pool, subsets[i]), seeds[i]) for i in range(n_single)]
    t_single = (time.perf_counter() - t0) * k / n_single
    c_single = (time.process_time() - c0) * k / n_single
    diff = max((a - b).abs().max().item() for i in range(n_single)
               for a, b in zip(batched[i].state_dict().values(), singles[i].state_dict().values()))
    print(f"one by one: {t_single:.1f} s wall, {c_single:.1f} s CPU for {k} models"
          + (f" (measured {n_single}, scaled)" if n_single < k else ""))
    print(f"ratio one-by-one / batched: {t_single / t_batched:.1f}x wall, "
          f"{c_single / c_batched:.1f}x CPU; "
          f"max |parameter difference| batched vs twin: {diff:.2e}")


if __name__ == "__main__":
    main()
