"""Benchmark of the fairness fast path against fairlearn's MetricFrame (prints ratios).

    python benchmarks/bench_fairness.py            # 1,000,000 rows (MetricFrame takes ~20 s)
    python benchmarks/bench_fairness.py --rows 200000

1. Four count metrics over sex x race (10 groups) with string group labels: ours (factorise the
   strings, count cells with np.bincount, metrics from counts) vs ``MetricFrame``; the numbers
   must be identical (to 1e-12). Target: at least 100x faster.
2. 1,000 bootstrap replicates of every count metric and every disparity, counting included
   (multinomial resampling of the cell counts). Target: under 0.5 s.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from _timing import best_of


def make_data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    sex = rng.choice(np.array(["Female", "Male"], dtype=object), n, p=[0.33, 0.67])
    race = rng.choice(np.array(["White", "Black", "Asian-Pac-Islander", "Amer-Indian-Eskimo",
                                "Other"], dtype=object), n, p=[0.85, 0.1, 0.03, 0.01, 0.01])
    y_true = (rng.random(n) < 0.24).astype(np.int64)
    y_pred = np.where(rng.random(n) < 0.85, y_true, 1 - y_true)
    return y_true, y_pred, pd.DataFrame({"sex": sex, "race": race})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--replicates", type=int, default=1000)
    args = parser.parse_args()

    from fairlearn.metrics import (
        MetricFrame,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score

    from audit.core import quantile_interval
    from audit.fairness import GroupCounts, disparities_from_metrics, metrics_from_counts

    n = args.rows
    y_true, y_pred, groups = make_data(n)
    four = ("selection_rate", "true_positive_rate", "false_positive_rate", "accuracy")
    print(f"{n:,} rows, sex x race = {groups.groupby(['sex', 'race']).ngroups} groups, "
          "string labels")

    def ours():
        counts = GroupCounts.from_predictions(y_true, y_pred, groups)
        metrics = counts.metrics()
        return counts, {k: metrics[k] for k in four}

    t_ours, (counts, mine) = best_of(ours, 5)
    start = time.perf_counter()
    frame = MetricFrame(
        metrics={"selection_rate": selection_rate, "true_positive_rate": true_positive_rate,
                 "false_positive_rate": false_positive_rate, "accuracy": accuracy_score},
        y_true=y_true, y_pred=y_pred, sensitive_features=groups)
    t_fairlearn = time.perf_counter() - start
    by_group = frame.by_group
    worst = 0.0
    for i, labels in enumerate(counts.groups):
        for k in four:
            worst = max(worst, abs(mine[k][i] - by_group.loc[labels, k]))
    if worst > 1e-12:
        raise SystemExit(f"numbers differ from MetricFrame by {worst:g}")
    print(f"[1] 4 count metrics:  ours {1000 * t_ours:8.1f} ms   MetricFrame "
          f"{1000 * t_fairlearn:9.1f} ms   ratio {t_fairlearn / t_ours:7.0f}x (target >= 100x); "
          f"max |difference| {worst:.1e}")

    cat = groups.astype("category")
    t_cat, _ = best_of(lambda: GroupCounts.from_predictions(y_true, y_pred, cat).metrics(), 5)
    print(f"    with categorical columns: ours {1000 * t_cat:.1f} ms "
          f"({t_fairlearn / t_cat:.0f}x)")

    def bootstrap():
        counts = GroupCounts.from_predictions(y_true, y_pred, groups)
        boot = metrics_from_counts(counts.bootstrap(args.replicates, seed=0))
        disparities = disparities_from_metrics(boot)
        intervals = {k: quantile_interval(v) for k, v in {**boot, **disparities}.items()}
        return intervals

    t_boot, intervals = best_of(bootstrap, 3)
    print(f"[2] {args.replicates:,} bootstrap replicates of {len(intervals)} count metrics and "
          f"disparities, counting included: {1000 * t_boot:.0f} ms (target < 500 ms)")
    dp = intervals["demographic_parity_difference"]
    print(f"    e.g. demographic parity difference 95% CI [{float(dp[0]):.4f}, "
          f"{float(dp[1]):.4f}]")


if __name__ == "__main__":
    main()
