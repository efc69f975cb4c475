"""Per-group privacy risk on census: the loss attack's AUC and TPR at FPR 1% per sex, race and
race x sex, with intervals, group sizes and each group's held-out accuracy.

The census sample's model and settings (sample_models/census_income/audit.yaml: TabularMLP
[128, 64], 10 epochs, Adam, batch 256, seed 0), 5,000 members and 5,000 non-members
(:func:`audit.privacy.split_membership`, seed 0), as the demo audits them.

Usage: python benchmarks/bench_group_privacy_risk.py [--epochs 10] [--attacks loss]
"""

from __future__ import annotations

import argparse

import torch

from audit.data import load_adult
from audit.models import TabularMLP
from audit.privacy import membership_inference_audit, risk_table, split_membership, worst_group
from audit.training import fit, seed_everything


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    dataset = load_adult(sensitive_bins={"age": [25, 45, 65]})
    seed_everything(0)
    model = TabularMLP(dataset.n_features, [128, 64], dropout=0.1)
    run = fit(model, dataset.train.to_torch(), epochs=args.epochs, batch_size=256, seed=0,
              device="cpu", progress=False)
    sets = split_membership(dataset.train, dataset.test, n=5000, seed=0)
    audit = membership_inference_audit(run.model, sets.members, sets.nonmembers,
                                       attacks=("loss",), delta=1e-6,
                                       intersections=[["race", "sex"]])
    print(f"loss attack overall AUC {audit.attacks['loss'].auc:.4f}")
    print(f"{'partition':12s} {'group':32s} {'members':>7s} {'non-m.':>6s}  AUC [95% CI]"
          f"            TPR@1%FPR [CI]              accuracy [CI]")
    for row in risk_table(audit.group_risk):
        if row["partition"] == "age":
            continue
        print(f"{row['partition']:12s} {row['group']:32s} {row['members']:7d} "
              f"{row['non-members']:6d}  {row['auc']:.3f} [{row['auc_ci'][0]:.3f}, "
              f"{row['auc_ci'][1]:.3f}]  {row['tpr_at_1pct_fpr']:.4f} [{row['tpr_ci'][0]:.4f}, "
              f"{row['tpr_ci'][1]:.4f}]  {row['accuracy']:.4f} [{row['accuracy_ci'][0]:.4f}, "
              f"{row['accuracy_ci'][1]:.4f}]{'  small' if row['small'] else ''}")
    worst = worst_group(audit.group_risk)
    print(f"privacy.worst_group_attack_auc = {worst.auc:.4f} ({worst.partition}={worst.group})")


if __name__ == "__main__":
    main()
