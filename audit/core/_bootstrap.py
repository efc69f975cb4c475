"""Bootstrap helpers: multinomial replicates of cell counts and percentile intervals.

A row-level bootstrap of data summarised as counts per cell is a multinomial draw over the
cells, so replicates cost nothing per row (see :func:`bootstrap_counts`).
"""

from __future__ import annotations

import numpy as np


def bootstrap_counts(counts: np.ndarray, n_replicates: int,
                     seed: int | np.random.Generator = 0) -> np.ndarray:
    """Row-level bootstrap replicates of cell counts, drawn as one multinomial per replicate.

    Resampling ``N`` rows with replacement and counting them per (group, y_true, y_pred) cell
    is exactly a multinomial draw of ``N`` over the cells with probabilities ``counts / N``, so
    the cost does not depend on the number of rows.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_replicates, G, 2, 2)``.

    Examples
    --------
    >>> c = np.array([[[50, 10], [5, 35]], [[30, 20], [10, 40]]])
    >>> boot = bootstrap_counts(c, 1000, seed=0)
    >>> boot.shape, int(boot[0].sum())
    ((1000, 2, 2, 2), 200)
    """
    rng = np.random.default_rng(seed)
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if total == 0 or n_replicates == 0:
        return np.zeros((n_replicates, *counts.shape), dtype=np.int64)
    p = counts.reshape(-1) / total
    draws = rng.multinomial(total, p, size=n_replicates)
    return draws.reshape(n_replicates, *counts.shape)


def quantile_interval(samples: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval over axis 0, ignoring NaN replicates (NaN when none are defined).

    Uses numpy's default linear interpolation, like ``np.nanquantile``, without its
    all-NaN warnings.
    """
    x = np.sort(np.asarray(samples, dtype=np.float64), axis=0)  # NaN sort last
    n = (~np.isnan(x)).sum(axis=0)
    bounds = []
    for q in ((1 - level) / 2, 1 - (1 - level) / 2):
        pos = q * np.maximum(n - 1, 0)
        i0 = np.floor(pos).astype(np.intp)
        i1 = np.minimum(i0 + 1, np.maximum(n - 1, 0))
        lo = np.take_along_axis(x, i0[None, ...], axis=0)[0]
        hi = np.take_along_axis(x, i1[None, ...], axis=0)[0]
        with np.errstate(invalid="ignore"):
            value = lo + (hi - lo) * (pos - i0)
        bounds.append(np.where(n > 0, value, np.nan))
    return bounds[0], bounds[1]


def paired_difference_interval(a: np.ndarray, b: np.ndarray, *, level: float = 0.95,
                               n_replicates: int = 2000,
                               seed: int | np.random.Generator = 0) -> tuple[float, float, float]:
    """``mean(a) - mean(b)`` of two 0/1 outcomes on the same rows, with a paired percentile
    bootstrap interval.

    Resampling rows with replacement keeps each row's pair ``(a_i, b_i)`` together, so the
    interval reflects the correlation of the two outcomes (two models scored on the same test
    rows: a row one gets right the other mostly gets right too). Only the three kinds of rows
    matter (``a`` right and ``b`` wrong, the reverse, and ties), so each replicate is one
    multinomial draw of their counts: exactly the row-level bootstrap, at no cost per row.

    Parameters
    ----------
    a, b : array of bool or 0/1
        The same rows' outcomes (e.g. correct under the non-private and the private model).
    level : float
        Confidence level of the percentile interval.
    n_replicates : int
    seed : int or numpy.random.Generator

    Returns
    -------
    tuple of float
        ``(difference, low, high)``; all NaN when there are no rows.

    Examples
    --------
    >>> a = np.r_[np.ones(80), np.zeros(20)]   # 80 of 100 right
    >>> b = np.r_[np.ones(60), np.zeros(40)]   # 60 of 100 right, on the same rows
    >>> d, lo, hi = paired_difference_interval(a, b, seed=0)
    >>> round(d, 2), bool(0.1 < lo < d < hi < 0.3)
    (0.2, True)
    """
    a = np.asarray(a, dtype=bool)
    b = np.asarray(b, dtype=bool)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"expected two outcome arrays of the same rows, got shapes {a.shape} "
                         f"and {b.shape}")
    n = len(a)
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    cells = np.array([int((a & ~b).sum()), int((~a & b).sum())])
    cells = np.r_[cells, n - cells.sum()]
    diff = float((cells[0] - cells[1]) / n)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, cells / n, size=n_replicates)
    low, high = quantile_interval((draws[:, 0] - draws[:, 1]) / n, level)
    return diff, float(low), float(high)
