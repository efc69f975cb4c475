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
