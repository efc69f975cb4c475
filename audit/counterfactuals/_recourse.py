"""Recourse fairness: is it harder for one group than another to obtain the favourable decision?

Measured on the searched rows with a negative decision (desired class 1) from each row's cheapest
counterfactual: the share of rows with any counterfactual (Wilson interval), the mean cost
(percentile bootstrap), and per sensitive feature the gap between the groups (bootstrap with
rows resampled within each group, so group sizes stay fixed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.core import quantile_interval, wilson_bounds
from audit.counterfactuals._find import CounterfactualSet
from audit.result import GroupRecourse, Interval, RecourseGap

#: Bootstrap replicates drawn per batch (bounds memory for large groups).
_BATCH = 100


def _bootstrap_means(values: np.ndarray, bootstrap_replicates: int, rng: np.random.Generator) -> np.ndarray:
    """Means of ``bootstrap_replicates`` resamples of ``values`` (NaN when there are none)."""
    if len(values) == 0:
        return np.full(bootstrap_replicates, np.nan)
    out = np.empty(bootstrap_replicates)
    for start in range(0, bootstrap_replicates, _BATCH):
        size = min(_BATCH, bootstrap_replicates - start)
        idx = rng.integers(0, len(values), size=(size, len(values)))
        out[start:start + size] = values[idx].mean(axis=1)
    return out


def _gap(feature: str, measure: str, names: list[str], values: np.ndarray,
         replicates: np.ndarray, usable: np.ndarray, bootstrap_replicates: int) -> RecourseGap | None:
    """Largest minus smallest value over the usable groups, with its bootstrap interval."""
    if usable.sum() < 2:
        return None
    vals, reps = values[usable], replicates[:, usable]
    usable_names = [n for n, u in zip(names, usable) if u]
    diffs = np.nanmax(reps, axis=1) - np.nanmin(reps, axis=1)
    low, high = quantile_interval(diffs[:, None])
    # for the cost, the worst group is the most expensive; for the share, the least flippable
    worst = int(np.argmax(vals)) if measure == "mean_cost" else int(np.argmin(vals))
    best = int(np.argmin(vals)) if measure == "mean_cost" else int(np.argmax(vals))
    tied = bool(vals.max() == vals.min())  # no group is worse: never name one as both
    return RecourseGap(
        sensitive_feature=feature, measure=measure,  # type: ignore[arg-type]
        value=float(vals.max() - vals.min()),
        interval=Interval(low=float(low[0]), high=float(high[0]), level=0.95,
                          method=f"percentile bootstrap, rows resampled within groups, "
                                 f"{bootstrap_replicates} replicates"),
        worst_group="" if tied else usable_names[worst],
        best_group="" if tied else usable_names[best])


def recourse_by_group(cfs: CounterfactualSet, groups: pd.DataFrame, *, bootstrap_replicates: int = 1000,
                      min_group_size: int = 30, seed: int = 0
                      ) -> tuple[list[GroupRecourse], list[RecourseGap]]:
    """Recourse per group of each sensitive feature, and the gaps between groups.

    Parameters
    ----------
    cfs : CounterfactualSet
    groups : pandas.DataFrame
        Group label of each searched row (aligned with ``cfs.rows``), one column per sensitive
        feature.
    bootstrap_replicates : int
    min_group_size : int
        Groups with fewer negative-decision rows are flagged ``small`` and left out of the gaps
        (unless fewer than two groups would remain).
    seed : int

    Returns
    -------
    (list of GroupRecourse, list of RecourseGap)
    """
    rng = np.random.default_rng(seed)
    negative = cfs.decision == 0
    found = cfs.found
    best = cfs.best
    cost = np.where(best >= 0, cfs.cost[np.maximum(best, 0)], np.nan) if len(cfs.cost) else \
        np.full(len(cfs.rows), np.nan)
    n_changed = np.where(best >= 0, cfs.n_changed[np.maximum(best, 0)], np.nan) if len(
        cfs.cost) else np.full(len(cfs.rows), np.nan)
    out: list[GroupRecourse] = []
    gaps: list[RecourseGap] = []
    for feature in groups.columns:
        labels = groups[feature].astype(str).to_numpy()
        names = sorted(set(labels[negative]))
        cost_reps = np.full((bootstrap_replicates, len(names)), np.nan)
        share_reps = np.full((bootstrap_replicates, len(names)), np.nan)
        means, shares, sizes = np.full(len(names), np.nan), np.zeros(len(names)), np.zeros(len(names))
        for j, name in enumerate(names):
            rows = negative & (labels == name)
            ok = rows & found
            k, m = int(rows.sum()), int(ok.sum())
            lo, hi = wilson_bounds(np.array([m]), np.array([k]))
            costs = cost[ok]
            reps = _bootstrap_means(costs, bootstrap_replicates, rng)
            cost_reps[:, j] = reps
            share_reps[:, j] = rng.binomial(k, m / k, size=bootstrap_replicates) / k
            c_lo, c_hi = quantile_interval(reps[:, None])
            changed = cfs.changed[best[ok]] if m else np.zeros((0, len(cfs.space.features)), bool)
            means[j], shares[j], sizes[j] = (float(costs.mean()) if m else np.nan), m / k, k
            out.append(GroupRecourse(
                sensitive_feature=str(feature), group=str(name), n_negative=k, n_flippable=m,
                share_flippable=m / k,
                share_flippable_interval=Interval(low=float(lo[0]), high=float(hi[0]),
                                                  level=0.95, method="Wilson score"),
                mean_cost=float(means[j]),
                mean_cost_interval=Interval(
                    low=float(c_lo[0]), high=float(c_hi[0]), level=0.95,
                    method=f"percentile bootstrap over rows, {bootstrap_replicates} replicates"),
                median_cost=float(np.median(costs)) if m else float("nan"),
                mean_n_changed=float(n_changed[ok].mean()) if m else float("nan"),
                small=k < min_group_size,
                change_rates={f: float(r) for f, r in zip(
                    cfs.space.features, changed.mean(axis=0) if m else np.zeros(len(
                        cfs.space.features)))}))
        large = sizes >= min_group_size
        usable = large if large.sum() >= 2 else np.ones(len(names), dtype=bool)
        for measure, values, reps in (("mean_cost", means, cost_reps),
                                      ("share_flippable", shares, share_reps)):
            gap = _gap(str(feature), measure, names, values, reps,
                       usable & ~np.isnan(values), bootstrap_replicates)
            if gap is not None:
                gaps.append(gap)
    return out, gaps
