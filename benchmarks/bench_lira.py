"""LiRA with K reference models on the census MLP: time, and attack success vs the loss attack.

The target and every reference model use the sample's training settings
(sample_models/census_income/audit.yaml: TabularMLP [128, 64], dropout 0.1, Adam, lr 1e-3,
10 epochs, batch 256). The target trains on all of Adult's training split. Audited: 5,000
random training rows (members) and 5,000 test rows that duplicate no training row
(non-members). Each reference model trains on a random half of the pool: the audited rows
plus every other Adult row (about 22,800 rows, comparable to the target's 29,304).

Usage: python benchmarks/bench_lira.py [--n-reference 16] [--device cuda] [--threads 1]
"""

from __future__ import annotations

import argparse
import time
import warnings

import torch

from audit.data import load_adult
from audit.models import TabularMLP
from audit.privacy._attacks import make_reference_trainer, membership_inference_audit, split_membership
from audit.training import fit, resolve_device, seed_everything
from sample_models.census_income import config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-reference", type=int, default=16)
    parser.add_argument("--n-members", type=int, default=5000)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore", message="Secure RNG turned off")

    cfg = config()
    device = resolve_device(args.device)
    settings = {"epochs": cfg.training.epochs, "batch_size": cfg.training.batch_size,
                "optimizer": cfg.training.optimizer, "learning_rate": cfg.training.learning_rate,
                "weight_decay": cfg.training.weight_decay, "device": device}
    dataset = load_adult()

    def build() -> TabularMLP:
        return TabularMLP(dataset.n_features, cfg.model.hidden_sizes, dropout=cfg.model.dropout)

    print(f"device {device}, torch threads {torch.get_num_threads()}, settings "
          f"{ {k: v for k, v in settings.items() if k != 'device'} }")
    seed_everything(args.seed)
    started = time.perf_counter()
    target = fit(build(), dataset.train.to_torch(), seed=args.seed, progress=False, **settings)
    print(f"target: {len(dataset.train)} rows, trained in {time.perf_counter() - started:.1f} s")

    sets = split_membership(dataset.train, dataset.test, n=args.n_members, seed=args.seed)
    result = membership_inference_audit(
        target.model, sets.members, sets.nonmembers, population=sets.population,
        train_reference=make_reference_trainer(build, **settings), n_reference=args.n_reference,
        delta=1e-5, seed=args.seed)
    s = result.seconds
    print(f"LiRA: {result.n_reference_models} reference models on halves of a "
          f"{result.n_members + result.n_nonmembers + result.n_population}-row pool, "
          f"variance {result.lira_variance}")
    print(f"  reference training total {s['reference_training']:.1f} s, "
          f"per reference model {s['per_reference_model']:.2f} s, audit total {s['total']:.1f} s")
    print(f"{'attack':<14}{'AUC [95% CI]':<26}{'TPR@0.1%':>10}{'TPR@1%':>10}{'eps_lb':>8}")
    for name, attack in result.attacks.items():
        ci = attack.auc_interval
        print(f"{name:<14}{attack.auc:.4f} [{ci.low:.4f}, {ci.high:.4f}]  "
              f"{attack.tpr_at_fpr['0.001']:>9.4f} {attack.tpr_at_fpr['0.01']:>9.4f}"
              f"{attack.empirical_epsilon.epsilon_lower_bound:>8.3f}")
    print(f"members {result.n_members}, non-members {result.n_nonmembers}; empirical epsilon "
          f"at delta 1e-5, {result.confidence_level:.0%} (Bonferroni over the 3 attacks)")


if __name__ == "__main__":
    main()
