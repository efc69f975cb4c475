"""Confidence intervals for disparities (extremes over groups) that keep their coverage.

A disparity is an extreme over pairs of groups: the difference ``max_g p_g - min_g p_g`` is
the largest of the pairwise differences ``p_a - p_b``, the ratio ``min_g p_g / max_g p_g`` the
smallest of the pairwise ratios ``p_a / p_b``. A percentile bootstrap of that extreme is biased
upward (the largest of noisy estimates over-estimates the largest true value), more so with
many or small groups, and never reaches 0 when every group has the same rate. Here instead:

1. For every pair of groups where the rate is defined, an interval for the pairwise
   difference (Newcombe's hybrid score interval, 1998) or ratio (the MOVER-R interval of
   Donner and Zou, 2012), both built from Wilson score intervals of the two group rates.
2. Bonferroni over all the pairs (over the true and false positive rate pairs together for
   equalized odds): each pairwise interval is taken at level ``1 - alpha / K``, so all of them
   hold at once with probability at least ``1 - alpha``.
3. When all hold, the true disparity lies between the extremes of the pairwise bounds:
   ``[max(0, max L_ab), max U_ab]`` for a difference, ``[min L_ab, min(1, min U_ab)]`` for a
   ratio; equalized odds (the worse of the two rates) takes the max (difference) or min
   (ratio) of the two rates' bounds.

The interval reaches 0 (a difference) or 1 (a ratio) whenever every pairwise interval contains
equality, so equal rates in all groups are not called a conclusive failure. The price is width:
the intervals are conservative by construction. ``benchmarks/bench_disparity_coverage.py``
measures their coverage by simulation.

Everything is vectorised over leading axes (simulation replicates): counts of shape
``(..., G, 2, 2)`` indexed ``[group, y_true, y_pred]``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from audit.core import DISPARITIES

DIFFERENCE_METHOD = "simultaneous Newcombe (Wilson), Bonferroni over group pairs"
RATIO_METHOD = "simultaneous MOVER-R (Wilson), Bonferroni over group pairs"

#: Group rates each disparity is built from, and whether it is a difference or a ratio.
SOURCES: dict[str, tuple[tuple[str, ...], str]] = {
    "demographic_parity_difference": (("selection_rate",), "difference"),
    "demographic_parity_ratio": (("selection_rate",), "ratio"),
    "equalized_odds_difference": (("true_positive_rate", "false_positive_rate"), "difference"),
    "equalized_odds_ratio": (("true_positive_rate", "false_positive_rate"), "ratio"),
    "equal_opportunity_difference": (("true_positive_rate",), "difference"),
    "four_fifths_rule": (("selection_rate",), "ratio"),
}


def _rate_parts(counts: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Successes and trials of each rate a disparity uses, shape ``(..., G)``."""
    c = np.asarray(counts, dtype=np.float64)
    tn, fp, fn, tp = c[..., 0, 0], c[..., 0, 1], c[..., 1, 0], c[..., 1, 1]
    return {"selection_rate": (fp + tp, tn + fp + fn + tp),
            "true_positive_rate": (tp, tp + fn),
            "false_positive_rate": (fp, fp + tn)}


def _wilson(k: np.ndarray, n: np.ndarray, z: np.ndarray):
    """Point estimate and Wilson bounds with a ``z`` per leading index (NaN where ``n == 0``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        z2 = z ** 2
        center = (k + z2 / 2) / (n + z2)
        half = z * np.sqrt(k * (n - k) / n + z2 / 4) / (n + z2)
        lo = np.clip(center - half, 0.0, p)
        hi = np.clip(center + half, p, 1.0)
    return p, lo, hi


def _pairs(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(x_a, x_b)`` broadcast over ordered pairs: shapes ``(..., G, 1)`` and ``(..., 1, G)``."""
    return x[..., :, None], x[..., None, :]


def _difference_bounds(p, lo, hi, pair_ok):
    """Newcombe's interval of ``p_a - p_b`` over ordered pairs -> bounds of ``max - min``."""
    pa, pb = _pairs(p)
    la, lb = _pairs(lo)
    ua, ub = _pairs(hi)
    d = pa - pb
    low = d - np.sqrt((pa - la) ** 2 + (ub - pb) ** 2)
    high = d + np.sqrt((ua - pa) ** 2 + (pb - lb) ** 2)
    low = np.where(pair_ok, low, -np.inf).max(axis=(-2, -1))
    high = np.where(pair_ok, high, -np.inf).max(axis=(-2, -1))
    return np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)


def _ratio_bounds(p, lo, hi, pair_ok):
    """MOVER-R interval of ``p_a / p_b`` over ordered pairs -> bounds of ``min / max``.

    The interval is ``{r : MOVER interval of p_a - r p_b contains 0}``; its ends are roots of a
    quadratic, written in the forms that stay finite when a rate or a bound is 0.
    """
    pa, pb = _pairs(p)
    la, lb = _pairs(lo)
    ua, ub = _pairs(hi)
    prod = pa * pb
    with np.errstate(divide="ignore", invalid="ignore"):
        c0, c2 = la * (2 * pa - la), ub * (2 * pb - ub)
        root = np.sqrt(np.maximum(prod ** 2 - c2 * c0, 0.0))
        low = np.where(c0 > 0, c0 / (prod + root), 0.0)
        d0, d2 = ua * (2 * pa - ua), lb * (2 * pb - lb)
        root = np.sqrt(np.maximum(prod ** 2 - d2 * d0, 0.0))
        high = np.where(d2 > 0, (prod + root) / d2, np.inf)
    low = np.where(pair_ok, low, np.inf).min(axis=(-2, -1))
    high = np.where(pair_ok, high, np.inf).min(axis=(-2, -1))
    return np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)


def disparity_intervals(counts: np.ndarray, level: float = 0.95) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Simultaneous-pairwise confidence bounds of every disparity (see the module docstring).

    Parameters
    ----------
    counts : numpy.ndarray
        Shape ``(..., G, 2, 2)``, indexed ``[group, y_true, y_pred]``.
    level : float
        Confidence level of each disparity's interval.

    Returns
    -------
    dict of str to (low, high)
        One pair of arrays of shape ``(...)`` per name in :data:`DISPARITIES`; NaN where
        fewer than two groups have the rate defined, or (a ratio) every rate is 0.

    Examples
    --------
    >>> same = np.array([[[40, 10], [40, 10]], [[40, 10], [40, 10]]])  # equal rates
    >>> lo, hi = disparity_intervals(same)["demographic_parity_difference"]
    >>> float(lo), round(float(hi), 3)
    (0.0, 0.111)
    """
    parts = _rate_parts(counts)
    defined = {name: n > 0 for name, (_, n) in parts.items()}
    n_pairs = {name: ok.sum(axis=-1) * (ok.sum(axis=-1) - 1) / 2 for name, ok in defined.items()}
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name in DISPARITIES:
        sources, kind = SOURCES[name]
        total = sum(n_pairs[s] for s in sources)
        with np.errstate(divide="ignore"):
            z = ndtri(1 - (1 - level) / (2 * np.maximum(total, 1)))[..., None]
        bounds = []
        for s in sources:
            k, n = parts[s]
            p, lo, hi = _wilson(k, n, z)
            ok_a, ok_b = _pairs(defined[s])
            pair_ok = ok_a & ok_b & ~np.eye(k.shape[-1], dtype=bool)
            low, high = (_difference_bounds if kind == "difference" else _ratio_bounds)(
                p, lo, hi, pair_ok)
            undefined = n_pairs[s] < 1
            if kind == "ratio":  # min / max is undefined when every defined rate is 0
                undefined = undefined | ~np.where(defined[s], k > 0, False).any(axis=-1)
            bounds.append((np.where(undefined, np.nan, low), np.where(undefined, np.nan, high)))
        combine = np.maximum if kind == "difference" else np.minimum  # propagates NaN
        low, high = bounds[0]
        for other_low, other_high in bounds[1:]:
            low, high = combine(low, other_low), combine(high, other_high)
        out[name] = (low, high)
    return out
