"""A cohort's metric against the rest of the rows: value, effect, test, intervals.

Values and Wilson intervals come from the fairness module's count code
(:func:`~audit.core.metrics_from_counts`, :func:`~audit.core.wilson_bounds`) and
intervals from its multinomial bootstrap of cell counts; the error rate is ``1 - accuracy``.
Counts are indexed ``[cohort, y_true, y_pred]`` like :class:`~audit.fairness.GroupCounts`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from audit.core import (
    bootstrap_counts,
    metrics_from_counts,
    proportion_parts,
    quantile_interval,
    safe_divide,
    wilson_bounds,
)
from audit.error_analysis._config import SLICE_METRICS
from audit.error_analysis._errors import UnknownMetricError
from audit.errors import suggest


def check_metric(metric: str) -> str:
    """Return ``metric`` or raise :class:`UnknownMetricError` naming the known ones."""
    if metric not in SLICE_METRICS:
        raise UnknownMetricError(
            "metric", f"one of {list(SLICE_METRICS)}", repr(metric),
            "use one of the listed metrics (balanced accuracy is not a proportion, so it has no "
            "two-proportion test)." + suggest(str(metric), SLICE_METRICS))
    return metric


def metric_parts(counts: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Numerator and denominator counts of a proportion metric, shape ``counts.shape[:-2]``."""
    check_metric(metric)
    c = np.asarray(counts, dtype=np.float64)
    if metric == "error_rate":
        return c[..., 0, 1] + c[..., 1, 0], c.sum(axis=(-2, -1))
    return proportion_parts(c)[metric]


def metric_values(counts: np.ndarray, metric: str) -> np.ndarray:
    """The metric of each cohort from counts ``(..., S, 2, 2)`` (NaN where undefined)."""
    check_metric(metric)
    if metric == "error_rate":
        return 1.0 - metrics_from_counts(counts)["accuracy"]
    return metrics_from_counts(counts)[metric]


def two_proportion_pvalues(x1: np.ndarray, n1: np.ndarray, x2: np.ndarray,
                           n2: np.ndarray) -> np.ndarray:
    """Two-sided pooled two-proportion z test, vectorised (NaN where a side is empty).

    Equals ``scipy.stats.chi2_contingency([[x1, n1 - x1], [x2, n2 - x2]], correction=False)``;
    1 where both proportions are 0 or both are 1.

    Examples
    --------
    >>> round(float(two_proportion_pvalues(np.array([30]), np.array([100]),
    ...                                    np.array([20]), np.array([100]))[0]), 4)
    0.1025
    """
    x1, n1, x2, n2 = (np.asarray(a, dtype=np.float64) for a in (x1, n1, x2, n2))
    p1, p2 = safe_divide(x1, n1), safe_divide(x2, n2)
    pooled = safe_divide(x1 + x2, n1 + n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = np.abs(p1 - p2) / se
    p = np.where(se > 0, 2 * ndtr(-z), 1.0)
    return np.where((n1 > 0) & (n2 > 0), p, np.nan)


@dataclass(frozen=True)
class CohortStats:
    """Per-cohort statistics against the rest of the rows (arrays of shape ``(S,)``)."""

    size: np.ndarray
    metric_rows: np.ndarray
    value: np.ndarray
    rest_value: np.ndarray
    difference: np.ndarray
    ratio: np.ndarray
    p_value: np.ndarray
    wilson_low: np.ndarray
    wilson_high: np.ndarray


def cohort_stats(counts: np.ndarray, total: np.ndarray, metric: str, level: float = 0.95,
                 min_metric_rows: int = 1) -> CohortStats:
    """Statistics of each cohort (counts ``(S, 2, 2)``) against the rest (``total - counts``).

    Cohorts with fewer than ``min_metric_rows`` rows in the metric's denominator get NaN
    effects and p-values: they are neither tested nor ranked.
    """
    counts = np.asarray(counts, dtype=np.int64)
    rest = np.asarray(total, dtype=np.int64)[None] - counts
    value, rest_value = metric_values(counts, metric), metric_values(rest, metric)
    x1, n1 = metric_parts(counts, metric)
    x2, n2 = metric_parts(rest, metric)
    lo, hi = wilson_bounds(x1, n1, level)
    enough = n1 >= min_metric_rows
    return CohortStats(size=counts.sum(axis=(1, 2)), metric_rows=n1.astype(np.int64), value=value,
                       rest_value=rest_value,
                       difference=np.where(enough, value - rest_value, np.nan),
                       ratio=np.where(enough, safe_divide(value, rest_value), np.nan),
                       p_value=np.where(enough, two_proportion_pvalues(x1, n1, x2, n2), np.nan),
                       wilson_low=lo, wilson_high=hi)


def bootstrap_intervals(counts: np.ndarray, total: np.ndarray, metric: str, n_replicates: int,
                        seed: int = 0, level: float = 0.95) -> np.ndarray:
    """Bootstrap percentile intervals of each cohort's value and difference from the rest.

    Each cohort and its rest form a partition of the rows, so the fairness module's multinomial
    resampling of their cell counts is a row-level bootstrap.

    Returns
    -------
    numpy.ndarray
        Shape ``(S, 4)``: value low, value high, difference low, difference high.
    """
    rng = np.random.default_rng(seed)
    counts = np.asarray(counts, dtype=np.int64)
    out = np.full((len(counts), 4), np.nan)
    if n_replicates <= 0:
        return out
    for i, c in enumerate(counts):
        boot = bootstrap_counts(np.stack([c, np.asarray(total) - c]), n_replicates, rng)
        values = metric_values(boot, metric)  # (B, 2)
        out[i, :2] = quantile_interval(values[:, 0], level)
        out[i, 2:] = quantile_interval(values[:, 0] - values[:, 1], level)
    return out


def rank(stats: CohortStats, order: np.ndarray, direction: str) -> np.ndarray:
    """Indices of the defined cohorts, best first: effect in ``direction``, fewer features, larger."""
    sign = -1.0 if direction == "highest" else 1.0
    defined = np.flatnonzero(~np.isnan(stats.difference))
    keys = (-stats.size[defined], order[defined], sign * stats.difference[defined])
    return defined[np.lexsort(keys)]
