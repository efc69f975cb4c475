"""Score-based group metrics (ROC AUC, calibration) and their row-level bootstrap, vectorised.

AUC is computed as the Mann-Whitney statistic (ties count one half), which is what
``sklearn.metrics.roc_auc_score`` computes; calibration bins follow
``sklearn.calibration.calibration_curve(strategy="uniform")``.

The bootstrap resamples whole rows (as the count bootstrap does): each replicate draws ``n`` row
indices, and all groups' AUC and ECE are computed from per-cell counts of the drawn rows, a
chunk of replicates at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audit.core import safe_divide


def calibration_bins(scores: np.ndarray, n_bins: int) -> np.ndarray:
    """Uniform bin of each score, as ``sklearn.calibration.calibration_curve`` assigns them."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    return np.searchsorted(edges[1:-1], scores)


@dataclass(frozen=True)
class _ScoreCells:
    """Rows grouped into cells of equal (group, score), sorted by group then score."""

    cell_of_row: np.ndarray
    cell_group: np.ndarray
    group_starts: np.ndarray  # first cell of each present group
    present: np.ndarray       # the groups that have rows
    n_cells: int


def _score_cells(scores: np.ndarray, codes: np.ndarray) -> _ScoreCells:
    order = np.lexsort((scores, codes))
    s, g = scores[order], codes[order]
    new = np.ones(len(s), dtype=bool)
    new[1:] = (s[1:] != s[:-1]) | (g[1:] != g[:-1])
    cell_sorted = np.cumsum(new) - 1
    cell_of_row = np.empty(len(s), dtype=np.intp)
    cell_of_row[order] = cell_sorted
    cell_group = g[new]
    group_change = np.ones(len(cell_group), dtype=bool)
    group_change[1:] = cell_group[1:] != cell_group[:-1]
    return _ScoreCells(cell_of_row, cell_group, np.flatnonzero(group_change),
                       cell_group[group_change], int(new.sum()))


def _auc_from_cells(pos: np.ndarray, neg: np.ndarray, cells: _ScoreCells,
                    n_groups: int) -> np.ndarray:
    """AUC per group from per-cell positive and negative weights of shape ``(B, C)``."""
    cum = np.cumsum(neg, axis=1)
    before_group = np.zeros((pos.shape[0], len(cells.group_starts)))
    nonzero = cells.group_starts > 0
    before_group[:, nonzero] = cum[:, cells.group_starts[nonzero] - 1]
    group_of_cell = np.repeat(np.arange(len(cells.group_starts)),
                              np.diff(np.append(cells.group_starts, cells.n_cells)))
    below = cum - neg - before_group[:, group_of_cell]
    num = np.add.reduceat(pos * (below + 0.5 * neg), cells.group_starts, axis=1)
    n_pos = np.add.reduceat(pos, cells.group_starts, axis=1)
    n_neg = np.add.reduceat(neg, cells.group_starts, axis=1)
    out = np.full((pos.shape[0], n_groups), np.nan)
    out[:, cells.present] = safe_divide(num, n_pos * n_neg)
    return out


def _ece_from_bins(sum_y: np.ndarray, sum_s: np.ndarray, count: np.ndarray) -> np.ndarray:
    """ECE per group from sums per (replicate, group, bin)."""
    return safe_divide(np.abs(sum_y - sum_s).sum(axis=-1), count.sum(axis=-1))


@dataclass(frozen=True)
class ScoreMetrics:
    """Per-group score metrics: AUC and ECE (NaN where undefined), and reliability sums."""

    roc_auc: np.ndarray
    expected_calibration_error: np.ndarray
    bin_sum_y: np.ndarray
    bin_sum_score: np.ndarray
    bin_count: np.ndarray
    n_bins: int


def score_metrics(y_true: np.ndarray, scores: np.ndarray, codes: np.ndarray, n_groups: int,
                  *, n_bins: int = 10) -> ScoreMetrics:
    """ROC AUC, expected calibration error and reliability sums of each group.

    Rows with ``codes < 0`` are ignored. AUC is NaN for a group without both classes.

    Examples
    --------
    >>> m = score_metrics(np.array([0, 1, 0, 1]), np.array([.2, .8, .6, .4]),
    ...                   np.array([0, 0, 1, 1]), 2)
    >>> m.roc_auc
    array([1., 0.])
    """
    keep = codes >= 0
    y, s, g = y_true[keep].astype(np.float64), scores[keep], codes[keep]
    auc = np.full(n_groups, np.nan)
    if len(y):
        cells = _score_cells(s, g)
        pos = np.bincount(cells.cell_of_row, weights=y, minlength=cells.n_cells)[None, :]
        tot = np.bincount(cells.cell_of_row, minlength=cells.n_cells)[None, :]
        auc = _auc_from_cells(pos, tot - pos, cells, n_groups)[0]
    key = g * n_bins + calibration_bins(s, n_bins)
    size = n_groups * n_bins
    sum_y = np.bincount(key, weights=y, minlength=size).reshape(n_groups, n_bins)
    sum_s = np.bincount(key, weights=s, minlength=size).reshape(n_groups, n_bins)
    count = np.bincount(key, minlength=size).reshape(n_groups, n_bins)
    return ScoreMetrics(auc, _ece_from_bins(sum_y, sum_s, count), sum_y, sum_s, count, n_bins)


def bootstrap_score_metrics(y_true: np.ndarray, scores: np.ndarray, codes: np.ndarray,
                            n_groups: int, *, n_bins: int = 10, n_replicates: int = 200,
                            seed: int | np.random.Generator = 0,
                            max_chunk_rows: int = 2_000_000) -> tuple[np.ndarray, np.ndarray]:
    """Row-level bootstrap of per-group AUC and ECE.

    Returns
    -------
    (roc_auc, expected_calibration_error) : tuple of numpy.ndarray
        Each of shape ``(n_replicates, n_groups)``, NaN where a replicate leaves a metric
        undefined.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y, s = rng.integers(0, 2, 200), rng.random(200)
    >>> auc, ece = bootstrap_score_metrics(y, s, np.zeros(200, int), 1, n_replicates=50)
    >>> auc.shape
    (50, 1)
    """
    rng = np.random.default_rng(seed)
    keep = codes >= 0
    y, s, g = y_true[keep].astype(np.float64), scores[keep], codes[keep]
    n = len(y)
    auc_out = np.full((n_replicates, n_groups), np.nan)
    ece_out = np.full((n_replicates, n_groups), np.nan)
    if n == 0 or n_replicates == 0:
        return auc_out, ece_out
    cells = _score_cells(s, g)
    bin_key = g * n_bins + calibration_bins(s, n_bins)
    size = n_groups * n_bins
    chunk = max(1, min(n_replicates, max_chunk_rows // n))
    for start in range(0, n_replicates, chunk):
        b = min(chunk, n_replicates - start)
        idx = rng.integers(0, n, size=(b, n))
        offsets = np.arange(b)[:, None]
        yi = y[idx].ravel()
        key = (offsets * cells.n_cells + cells.cell_of_row[idx]).ravel()
        pos = np.bincount(key, weights=yi, minlength=b * cells.n_cells).reshape(b, -1)
        tot = np.bincount(key, minlength=b * cells.n_cells).reshape(b, -1)
        auc_out[start:start + b] = _auc_from_cells(pos, tot - pos, cells, n_groups)
        key = (offsets * size + bin_key[idx]).ravel()
        sum_y = np.bincount(key, weights=yi, minlength=b * size).reshape(b, n_groups, n_bins)
        sum_s = np.bincount(key, weights=s[idx].ravel(), minlength=b * size).reshape(
            b, n_groups, n_bins)
        count = np.bincount(key, minlength=b * size).reshape(b, n_groups, n_bins)
        ece_out[start:start + b] = _ece_from_bins(sum_y, sum_s, count)
    return auc_out, ece_out
