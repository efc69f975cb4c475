"""Coverage of the disparity intervals, by simulation (prints a table; not a timed benchmark).

For each cell of the grid (number of groups x rows per group x true difference x disparity)
it draws ``--reps`` datasets from known group rates, computes the 95% interval of
:func:`audit.fairness._disparity_ci.disparity_intervals` on each, and prints how often the
interval holds the true disparity. It then prints how often a model with equal rates in all
groups (12 groups x 100 rows, limit 0.1) gets a *conclusive* failure. With ``--bootstrap`` it
prints the same two numbers for the percentile bootstrap the audit used before, on a few cells.

Run: ``python benchmarks/bench_disparity_coverage.py`` (about 15 s on one core).

The data: group rates spread evenly over ``[base, base + d]`` for the true difference ``d``.
Demographic parity: selection rates from 0.3. Equalized odds: each group's rows are positive
with probability 0.4; true positive rates spread over ``[0.8 - d, 0.8]`` and false positive rates
over ``[0.1, 0.1 + d]``, so both terms are in play (the true value is ``d`` for the difference).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audit.core import (  # noqa: E402
    bootstrap_counts,
    disparities_from_metrics,
    metrics_from_counts,
    quantile_interval,
)
from audit.fairness._disparity_ci import disparity_intervals  # noqa: E402

GROUPS = (2, 8, 12)
SIZES = (50, 100, 250, 1000)
DIFFERENCES = (0.0, 0.05, 0.10, 0.20)
#: (criterion, kind) -> the disparity name in the audit
MEASURES = {
    ("demographic_parity", "difference"): "demographic_parity_difference",
    ("demographic_parity", "ratio"): "demographic_parity_ratio",
    ("equalized_odds", "difference"): "equalized_odds_difference",
    ("equalized_odds", "ratio"): "equalized_odds_ratio",
}


@dataclass(frozen=True)
class Cell:
    criterion: str
    kind: str
    groups: int
    size: int
    difference: float
    coverage: float
    mean_low: float
    mean_high: float


def _rates(criterion: str, groups: int, d: float) -> dict[str, np.ndarray]:
    if criterion == "demographic_parity":
        return {"selection": np.linspace(0.3, 0.3 + d, groups)}
    return {"tpr": np.linspace(0.8 - d, 0.8, groups), "fpr": np.linspace(0.1, 0.1 + d, groups)}


def true_disparity(criterion: str, kind: str, rates: dict[str, np.ndarray]) -> float:
    """The disparity of the group rates themselves."""
    def one(r):
        return r.max() - r.min() if kind == "difference" else r.min() / r.max()

    values = [one(r) for r in rates.values()]
    return max(values) if kind == "difference" else min(values)


def draw_counts(criterion: str, rates: dict[str, np.ndarray], size: int, reps: int,
                rng: np.random.Generator) -> np.ndarray:
    """``reps`` datasets of counts ``(reps, G, 2, 2)`` indexed ``[group, y_true, y_pred]``."""
    groups = len(next(iter(rates.values())))
    counts = np.zeros((reps, groups, 2, 2), dtype=np.int64)
    if criterion == "demographic_parity":
        positive = rng.binomial(size, rates["selection"], size=(reps, groups))
        counts[..., 0, 1], counts[..., 0, 0] = positive, size - positive
        return counts
    n_pos = rng.binomial(size, 0.4, size=(reps, groups))
    tp = rng.binomial(n_pos, rates["tpr"])
    fp = rng.binomial(size - n_pos, rates["fpr"])
    counts[..., 1, 1], counts[..., 1, 0] = tp, n_pos - tp
    counts[..., 0, 1], counts[..., 0, 0] = fp, size - n_pos - fp
    return counts


def coverage_grid(groups=GROUPS, sizes=SIZES, differences=DIFFERENCES, *, reps: int = 2000,
                  level: float = 0.95, seed: int = 0) -> list[Cell]:
    """Coverage of every cell (one seeded generator per cell, so cells are reproducible alone)."""
    cells = []
    for (criterion, kind), g, n, d in itertools.product(MEASURES, groups, sizes, differences):
        name = MEASURES[(criterion, kind)]
        key = [seed, g, n, int(round(d * 1000)), list(MEASURES).index((criterion, kind))]
        rng = np.random.default_rng(key)
        rates = _rates(criterion, g, d)
        truth = true_disparity(criterion, kind, rates)
        low, high = disparity_intervals(draw_counts(criterion, rates, n, reps, rng), level)[name]
        ok = ~np.isnan(low)
        covered = (low[ok] <= truth + 1e-12) & (truth - 1e-12 <= high[ok])
        cells.append(Cell(criterion, kind, g, n, d, float(covered.mean()),
                          float(low[ok].mean()), float(high[ok].mean())))
    return cells


def conclusive_fail_rate(*, groups: int = 12, size: int = 100, rate: float = 0.3,
                         limit: float = 0.1, reps: int = 2000, level: float = 0.95,
                         seed: int = 0) -> float:
    """How often equal selection rates in every group give a conclusive demographic-parity fail."""
    rng = np.random.default_rng([seed, 1])
    counts = draw_counts("demographic_parity", {"selection": np.full(groups, rate)}, size, reps,
                         rng)
    low, _ = disparity_intervals(counts, level)["demographic_parity_difference"]
    return float((low > limit).mean())


def bootstrap_percentile(counts: np.ndarray, name: str, *, replicates: int = 500,
                         level: float = 0.95, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The previous method: percentile bootstrap of the disparity, one dataset at a time."""
    lows, highs = [], []
    for i, c in enumerate(counts):
        boot = disparities_from_metrics(metrics_from_counts(
            bootstrap_counts(c, replicates, seed=seed + i)))[name]
        lo, hi = quantile_interval(boot[:, None], level)
        lows.append(lo[0])
        highs.append(hi[0])
    return np.array(lows), np.array(highs)


def _print_table(cells: list[Cell]) -> None:
    print(f"{'measure':<32}{'groups':>7}{'rows/group':>11}"
          + "".join(f"{f'd={d:g}':>9}" for d in DIFFERENCES))
    rows: dict[tuple, dict[float, float]] = {}
    for c in cells:
        rows.setdefault((MEASURES[(c.criterion, c.kind)], c.groups, c.size), {})[c.difference] = c.coverage
    for (name, g, n), by_d in rows.items():
        print(f"{name:<32}{g:>7}{n:>11}" + "".join(f"{100 * by_d.get(d, np.nan):>8.1f}%"
                                                   for d in DIFFERENCES))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=4000, help="datasets per cell")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bootstrap", action="store_true",
                        help="also measure the previous percentile bootstrap on a few cells")
    args = parser.parse_args()
    started = time.perf_counter()
    cells = coverage_grid(reps=args.reps, seed=args.seed)
    print(f"Coverage of the true disparity by the nominal 95% interval ({args.reps} datasets "
          "per cell; Monte Carlo standard error about 0.5 points)\n")
    _print_table(cells)
    worst = min(cells, key=lambda c: c.coverage)
    print(f"\nminimum coverage over {len(cells)} cells: {100 * worst.coverage:.1f}% "
          f"({MEASURES[(worst.criterion, worst.kind)]}, {worst.groups} groups x {worst.size} "
          f"rows, true difference {worst.difference:g}); target >= 92%")
    rate = conclusive_fail_rate(reps=args.reps, seed=args.seed)
    print(f"conclusive demographic-parity fails at limit 0.1, 12 groups x 100 rows, equal rates: "
          f"{100 * rate:.2f}% of {args.reps} datasets; target < 5%")
    if args.bootstrap:
        reps = min(args.reps, 200)
        print(f"\nprevious method (percentile bootstrap, 500 replicates), {reps} datasets:")
        for crit, g, n, d in (("demographic_parity", 2, 1000, 0.0), ("demographic_parity", 8, 250, 0.10),
                              ("demographic_parity", 12, 100, 0.0)):
            rng = np.random.default_rng([args.seed, g, n])
            rates = _rates(crit, g, d)
            counts = draw_counts(crit, rates, n, reps, rng)
            lo, hi = bootstrap_percentile(counts, "demographic_parity_difference")
            truth = true_disparity(crit, "difference", rates)
            cover = ((lo <= truth + 1e-12) & (truth - 1e-12 <= hi)).mean()
            new_lo, new_hi = disparity_intervals(counts)["demographic_parity_difference"]
            new_cover = ((new_lo <= truth + 1e-12) & (truth - 1e-12 <= new_hi)).mean()
            print(f"  {g} groups x {n} rows, true {d:g}: bootstrap coverage {100 * cover:.1f}%, "
                  f"mean interval [{lo.mean():.3f}, {hi.mean():.3f}], conclusive fails at 0.1: "
                  f"{100 * (lo > 0.1).mean():.1f}% | new: {100 * new_cover:.1f}%, "
                  f"[{new_lo.mean():.3f}, {new_hi.mean():.3f}], {100 * (new_lo > 0.1).mean():.1f}%")
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
