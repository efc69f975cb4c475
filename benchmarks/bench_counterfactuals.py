"""Counterfactuals for the whole census test split, verified, and dice-ml on a sample as anchor.

Trains the census MLP of the sample config (10 epochs), then searches up to 5 counterfactuals for
every one of the 16,281 test rows (sex, race and age immutable) on one CPU thread, re-verifies
every returned counterfactual with the model and the constraints, and prints throughput,
coverage and the recourse gaps. When dice-ml is installed it searches the first 20 rows with
its model-agnostic random method as the reference speed.

Run: ``python benchmarks/bench_counterfactuals.py [--rows N] [--dice-rows 20] [--model DIR]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from audit.counterfactuals import (
    CounterfactualAuditConfig,
    compare_with_dice,
    find_counterfactuals,
    section_from,
    verify,
)
from audit.data import load_adult
from audit.models import build_model, load_model
from audit.training import fit, seed_everything


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None, help="test rows (default: all)")
    parser.add_argument("--n", type=int, default=5, help="counterfactuals per row")
    parser.add_argument("--dice-rows", type=int, default=20)
    parser.add_argument("--model", default=None,
                        help="folder of a saved census model (e.g. reports/out/census-income/model) "
                             "instead of training one")
    args = parser.parse_args()
    torch.set_num_threads(1)

    dataset = load_adult()
    if args.model:
        model = load_model(args.model)[0]
    else:
        seed_everything(0)
        model = build_model("mlp", input_width=dataset.n_features, hidden_sizes=[128, 64],
                            dropout=0.1)
        model = fit(model, dataset.train.to_torch(), epochs=10, batch_size=256, seed=0,
                    progress=False).model.eval()
    rows = np.arange(len(dataset.test) if args.rows is None else args.rows)

    find_counterfactuals(model, dataset, rows[:10], n=args.n, seed=0)  # imports, warm-up
    tick, cpu = time.perf_counter(), time.process_time()
    cfs = find_counterfactuals(model, dataset, rows, n=args.n, seed=0)
    seconds, cpu = time.perf_counter() - tick, time.process_time() - cpu
    valid = verify(cfs, model)
    assert valid.all(), f"{int((~valid).sum())} returned counterfactuals fail verification"
    negative = cfs.decision == 0
    print(f"rows searched            {len(rows):,} (test split), up to {args.n} counterfactuals each, "
          f"immutable {', '.join(cfs.space.immutable)}")
    print(f"seconds                  {seconds:.1f} wall (target < 60)  ->  {len(rows) / seconds:,.0f} rows/s; "
          f"{cpu:.1f} s of CPU time (1 torch thread; wall > CPU means the machine was busy)")
    print(f"rows with >=1 valid cf   {cfs.found.mean():.2%} "
          f"(negative decisions: {cfs.found[negative].mean():.2%} of {int(negative.sum()):,})")
    print(f"counterfactuals per row  {len(cfs.X) / len(rows):.2f} mean; "
          f"{int(cfs.n_candidates):,} candidates searched, {cfs.n_rejected:,} without a valid flip")
    print(f"validity of returned     {valid.mean():.2%} ({len(valid):,} re-run through the model and "
          "checked against the constraints)")
    best = cfs.best[cfs.found]
    print(f"cheapest cf per row      cost {np.mean(cfs.cost[best]):.3f} mean (MAD-L1), "
          f"{np.mean(cfs.n_changed[best]):.2f} features changed")

    section = section_from(cfs, dataset, CounterfactualAuditConfig(enabled=True), seed=0)
    top = sorted(section.change_rates.items(), key=lambda kv: -kv[1])[:5]
    print("most often changed       " + ", ".join(f"{f} {r:.0%}" for f, r in top))
    for gap in section.gaps:
        if gap.measure == "mean_cost":
            print(f"recourse cost gap        {gap.sensitive_feature}: {gap.value:.3f} "
                  f"[{gap.interval.low:.3f}, {gap.interval.high:.3f}] "
                  f"(worst {gap.worst_group}, best {gap.best_group})")

    if args.dice_rows:
        try:
            comparison = compare_with_dice(model, dataset, rows[:args.dice_rows], n=args.n, seed=0)
        except ImportError as exc:
            print(f"dice-ml                  not available ({exc})")
            return
        print(f"dice-ml ({comparison.method}) on {comparison.n_rows} rows: "
              f"{comparison.seconds_per_row:.3f} s/row, rows found {comparison.share_rows_found:.0%}, "
              f"validity {comparison.validity:.0%}, {comparison.mean_n_changed:.2f} features changed, "
              f"cost {comparison.mean_cost:.3f}")
        print(f"ours on the same rows:   {comparison.ours_seconds_per_row:.3f} s/row (small batch), "
              f"rows found {comparison.ours_share_rows_found:.0%}, "
              f"{comparison.ours_mean_n_changed:.2f} features changed, cost {comparison.ours_mean_cost:.3f}; bulk: "
              f"{seconds / len(rows):.4f} s/row = "
              f"{comparison.seconds_per_row / (seconds / len(rows)):,.0f}x faster than dice-ml")


if __name__ == "__main__":
    main()
