"""Each group's accuracy cost under DP beside its privacy risk, and the privacy bounds per
checkpoint (issue 19, items 4 and 6), printed from one real run.

Default: the seeded synthetic table of ``tests/own_models.py:dp_minority`` (4,000 training
rows, a minority ``few`` of 10% with its own rule), a user's own two-logit model
(``tests.own_models:build_gated``), DP-SGD at epsilon 1 for 5 epochs, the loss attack, a
privacy-utility curve at epsilon 4 (its non-private run is the twin) and 100 white-box
canaries: the run the integration test makes. ``--config PATH`` runs any audit.yaml instead
(e.g. a census DP config).

Usage: python benchmarks/bench_dp_group_cost.py [--config sample_models/census_income/audit_dp.yaml]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

import torch

from audit.config import load_config
from audit.runner import run_audit
from reports.sections.fairness import dp_cost_table
from reports.sections.privacy import CHECKPOINT_MEANINGS, checkpoint_table


def synthetic_config(folder: Path):
    from tests.own_models import dp_minority_config

    return dp_minority_config(
        folder, {"epochs": 5, "batch_size": 128, "learning_rate": 0.02,
                 "privacy": {"target_epsilon": 1.0, "max_grad_norm": 1.0}},
        {"privacy": {"enabled": True, "attacks": ["loss"], "n_audit_members": 1000,
                     "utility_curve_epsilons": [4],
                     "canaries": {"enabled": True, "mode": "white_box", "m": 100}},
         "fairness": {"enabled": True, "bootstrap_replicates": 200,
                      "score_bootstrap_replicates": 0}})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="an audit.yaml (default: the synthetic table)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(args.config) if args.config else synthetic_config(Path(tmp))
        tick = time.perf_counter()
        result = run_audit(config, output_dir=Path(tmp) / "out", progress=False).result
        seconds = time.perf_counter() - tick
    privacy = result.privacy
    print(f"{config.name}: run {seconds:.1f} s; timings "
          + ", ".join(f"{k} {v:.1f}" for k, v in result.metadata.timings.items()))
    cost = privacy.group_dp_cost
    print(f"\nAccuracy cost of DP per group (twin: {cost.twin or cost.undefined_reason}); overall "
          f"{cost.accuracy_non_private:.4f} without DP, {cost.accuracy_private:.4f} with DP")
    print(dp_cost_table(privacy).frame().to_string(index=False))
    print(f"\nPrivacy bounds per checkpoint (delta {privacy.spend.delta:g})")
    print(checkpoint_table(privacy).frame().to_string(index=False))
    print("\n" + "\n".join(f"- {s}" for s in CHECKPOINT_MEANINGS))


if __name__ == "__main__":
    main()
