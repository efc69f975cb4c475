"""Summaries of attributions: global importance with bootstrap intervals, per-group means,
proxy associations, rank agreement. numpy/pandas/scipy only (no torch)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class GlobalImportance:
    """Mean absolute attribution per feature, with a bootstrap percentile interval.

    Attributes
    ----------
    features : tuple of str
    importance, low, high, mean_attribution : numpy.ndarray
        One value per feature: mean |attribution|, interval bounds, signed mean.
    level : float
    """

    features: tuple[str, ...]
    importance: np.ndarray
    low: np.ndarray
    high: np.ndarray
    mean_attribution: np.ndarray
    level: float


def global_importance(grouped: np.ndarray, features: Sequence[str], *, bootstrap_replicates: int = 1000,
                      level: float = 0.95, seed: int = 0) -> GlobalImportance:
    """Mean |attribution| of each feature over rows, with a row-level bootstrap interval.

    A bootstrap replicate resamples rows with replacement; it is drawn as multinomial row
    counts, so each replicate costs one matrix product.

    Parameters
    ----------
    grouped : numpy.ndarray
        ``(n_rows, n_features)`` attributions per original feature (see ``aggregate``).
    features : sequence of str
    bootstrap_replicates : int
    level : float
        Coverage of the percentile interval.
    seed : int

    Examples
    --------
    >>> g = global_importance(np.array([[1.0, -2.0], [3.0, 2.0]]), ["a", "b"], bootstrap_replicates=200)
    >>> g.importance.tolist(), g.mean_attribution.tolist()
    ([2.0, 2.0], [2.0, 0.0])
    """
    values = np.abs(np.asarray(grouped, dtype=np.float64))
    n = len(values)
    importance = values.mean(axis=0) if n else np.full(values.shape[1], np.nan)
    if n:
        rng = np.random.default_rng(seed)
        counts = rng.multinomial(n, np.full(n, 1.0 / n), size=bootstrap_replicates)
        replicates = counts @ values / n
        alpha = (1 - level) / 2
        low, high = np.quantile(replicates, [alpha, 1 - alpha], axis=0)
    else:
        low = high = importance
    signed = np.asarray(grouped, dtype=np.float64).mean(axis=0) if n else importance
    return GlobalImportance(tuple(features), importance, low, high, signed, level)


def group_means(grouped: np.ndarray, labels: Sequence[str]) -> dict[str, tuple[int, np.ndarray,
                                                                             np.ndarray]]:
    """For each group label: ``(n, mean signed attribution, mean |attribution|)`` per feature.

    Examples
    --------
    >>> out = group_means(np.array([[1.0], [-3.0], [2.0]]), ["a", "a", "b"])
    >>> out["a"][0], out["a"][1].tolist(), out["a"][2].tolist()
    (2, [-1.0], [2.0])
    """
    grouped = np.asarray(grouped, dtype=np.float64)
    labels = np.asarray([str(v) for v in labels], dtype=object)
    out = {}
    for group in sorted(set(labels)):
        rows = grouped[labels == group]
        out[group] = (len(rows), rows.mean(axis=0), np.abs(rows).mean(axis=0))
    return out


def cramers_v(a: Sequence, b: Sequence) -> float:
    """Cramér's V between two categorical columns, in [0, 1] (no bias correction).

    Examples
    --------
    >>> round(cramers_v(["x", "x", "y", "y"], ["p", "p", "q", "q"]), 6)
    1.0
    """
    codes_a, levels_a = pd.factorize(pd.Series(list(a), dtype=str))
    codes_b, levels_b = pd.factorize(pd.Series(list(b), dtype=str))
    if min(len(levels_a), len(levels_b)) < 2:
        return 0.0
    table = np.bincount(codes_a * len(levels_b) + codes_b,
                        minlength=len(levels_a) * len(levels_b)).reshape(len(levels_a), -1)
    chi2 = stats.chi2_contingency(table, correction=False)[0]
    n = table.sum()
    return float(np.sqrt(chi2 / (n * (min(table.shape) - 1))))


def correlation_ratio(categories: Sequence, values: Sequence[float]) -> float:
    """Correlation ratio eta of a numeric column given a categorical one, in [0, 1].

    ``eta**2`` is the share of the numeric column's variance explained by the categories.

    Examples
    --------
    >>> correlation_ratio(["a", "a", "b", "b"], [1.0, 1.0, 3.0, 3.0])
    1.0
    """
    frame = pd.DataFrame({"c": pd.Series(list(categories), dtype=str),
                          "v": np.asarray(values, dtype=np.float64)})
    total = float(((frame["v"] - frame["v"].mean()) ** 2).sum())
    if total == 0:
        return 0.0
    grouped = frame.groupby("c", observed=True)["v"]
    between = float((grouped.count() * (grouped.mean() - frame["v"].mean()) ** 2).sum())
    return float(np.sqrt(between / total))


def association(feature: pd.Series, sensitive: Sequence[str]) -> tuple[str, float]:
    """``(measure, value)``: correlation ratio for a numeric feature, else Cramér's V."""
    if pd.api.types.is_numeric_dtype(feature) and not pd.api.types.is_bool_dtype(feature):
        return "correlation_ratio", correlation_ratio(sensitive, feature.to_numpy(dtype=float))
    return "cramers_v", cramers_v(feature.astype(str), sensitive)


def spearman_matrix(vectors: Sequence[np.ndarray]) -> np.ndarray:
    """Spearman rank correlation between every pair of importance vectors.

    Examples
    --------
    >>> spearman_matrix([np.array([1, 2, 3.0]), np.array([3, 2, 1.0])]).round(6).tolist()
    [[1.0, -1.0], [-1.0, 1.0]]
    """
    k = len(vectors)
    out = np.eye(k)
    for i in range(k):
        for j in range(i + 1, k):
            out[i, j] = out[j, i] = spearman(vectors[i], vectors[j])
    return out


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation of two vectors (0.0 when either is constant)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if len(a) < 2 or np.all(a == a[0]) or np.all(b == b[0]):
        return 0.0
    return float(stats.spearmanr(a, b).statistic)
