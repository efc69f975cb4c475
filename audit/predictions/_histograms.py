"""ROC AUC and calibration per group from score histograms the engine counted.

The engine counts rows per (group, label, score bin) over ``B`` equal bins of [0, 1) plus one
bin for scores of exactly 1.0, and sums the scores in each bin; nothing else about the scores
reaches the driver.

* **ROC AUC** is the Mann-Whitney statistic with pairs inside one bin counted as ties (1/2).
  Only such pairs can be misjudged, each by at most 1/2, so the error of a group's AUC is at
  most ``sum_b pos_b * neg_b / (2 * P * N)`` (:func:`binned_auc` returns this bound with the
  value; with a smooth score it shrinks like ``1/B``).
* **Expected calibration error** and the reliability curve use calibration bins that are
  unions of the fine bins, with exact score sums: exact, except that a score lying exactly on
  a calibration bin edge counts in the upper bin (scikit-learn's ``calibration_curve`` puts it
  in the lower).
* **Intervals**: a Poisson bootstrap of the binned scores: each replicate redraws every
  (group, label, bin) cell's count as Poisson(count), the large-sample form of the row-level
  bootstrap that needs neither the rows nor their total (Chamandy et al. 2012, "Estimating
  uncertainty for massive data streams"), three times faster than a multinomial draw over tens
  of thousands of cells; a replicate's score sum in a fine bin is its count times the bin's
  mean score (at most ``1/B`` off per row). Coverage is checked by simulation in the tests.
"""

from __future__ import annotations

import numpy as np

from audit.core import safe_divide
from audit.fairness import ScoreMetrics, histogram_edges
from audit.result import ScoreHistogram


def histograms(codes: np.ndarray, y: np.ndarray, bins: np.ndarray, n: np.ndarray,
               score_sum: np.ndarray, n_groups: int, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows per (group, label, bin) ``(G, 2, B + 1)`` and score sums per (group, bin)
    ``(G, B + 1)`` from cells (cells with code -1 are left out; bin ``B`` holds scores of 1.0)."""
    n_bins += 1
    kept = codes >= 0
    key = (codes[kept] * 2 + y[kept]) * n_bins + bins[kept]
    counts = np.bincount(key, weights=n[kept], minlength=n_groups * 2 * n_bins)
    counts = np.rint(counts).astype(np.int64).reshape(n_groups, 2, n_bins)
    sums = np.bincount(codes[kept] * n_bins + bins[kept], weights=score_sum[kept],
                       minlength=n_groups * n_bins).reshape(n_groups, n_bins)
    return counts, sums


def binned_auc(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """AUC per group from ``(..., G, 2, B)`` histograms, and the bound on its error.

    Examples
    --------
    >>> h = np.array([[[3, 1, 0], [0, 1, 2]]])   # negatives low, positives high, one shared bin
    >>> auc, bound = binned_auc(h)
    >>> float(auc[0]), float(bound[0])
    (0.9583333333333334, 0.041666666666666664)
    """
    c = np.asarray(counts, dtype=np.float64)
    neg, pos = c[..., 0, :], c[..., 1, :]
    below = np.cumsum(neg, axis=-1) - neg
    pairs = pos.sum(axis=-1) * neg.sum(axis=-1)
    auc = safe_divide((pos * (below + 0.5 * neg)).sum(axis=-1), pairs)
    bound = safe_divide((pos * neg).sum(axis=-1), 2 * pairs)
    return auc, bound


def _fold_one(x: np.ndarray) -> np.ndarray:
    """Bins ``(..., B + 1)`` -> ``(..., B)``: scores of 1.0 join the last bin (calibration's
    last bin is closed, [1 - 1/B, 1])."""
    out = x[..., :-1].copy()
    out[..., -1] += x[..., -1]
    return out


def calibration(counts: np.ndarray, sums: np.ndarray, n_calibration: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """ECE and reliability sums ``(…, G, n_calibration)`` from fine histograms ``(…, G, 2,
    B + 1)`` and score sums ``(…, G, B + 1)``.

    Returns ``(ece, sum_y, sum_score, count)``.
    """
    c = _fold_one(np.asarray(counts, dtype=np.float64))
    n_bins = c.shape[-1]
    width = n_bins // n_calibration
    shape = (*c.shape[:-2], n_calibration, width)
    sum_y = c[..., 1, :].reshape(shape).sum(axis=-1)
    count = c.sum(axis=-2).reshape(shape).sum(axis=-1)
    sum_s = _fold_one(np.asarray(sums, dtype=np.float64)).reshape(shape).sum(axis=-1)
    ece = safe_divide(np.abs(sum_y - sum_s).sum(axis=-1), count.sum(axis=-1))
    return ece, sum_y, sum_s, count


def score_metrics_from_histograms(counts: np.ndarray, sums: np.ndarray,
                                  n_calibration: int) -> tuple[ScoreMetrics, np.ndarray]:
    """The fairness module's :class:`ScoreMetrics` from histograms, and the AUC error bounds."""
    auc, bound = binned_auc(counts)
    ece, sum_y, sum_s, count = calibration(counts, sums, n_calibration)
    return ScoreMetrics(auc, ece, sum_y, sum_s, count.astype(np.int64), n_calibration), bound


def bootstrap_histograms(counts: np.ndarray, sums: np.ndarray, n_calibration: int,
                         n_replicates: int, seed: int | np.random.Generator = 0,
                         chunk: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap replicates ``(R, G)`` of AUC and ECE: Poisson redraws of every cell."""
    rng = np.random.default_rng(seed)
    counts = np.asarray(counts, dtype=np.int64)
    n_groups = counts.shape[0]
    auc_out = np.full((n_replicates, n_groups), np.nan)
    ece_out = np.full((n_replicates, n_groups), np.nan)
    total = int(counts.sum())
    if total == 0 or n_replicates == 0:
        return auc_out, ece_out
    per_bin = counts.sum(axis=1)  # (G, B)
    mean_score = safe_divide(np.asarray(sums, dtype=np.float64), per_bin)
    mean_score = np.nan_to_num(mean_score)
    for start in range(0, n_replicates, chunk):
        b = min(chunk, n_replicates - start)
        draws = rng.poisson(counts, size=(b, *counts.shape))
        auc_out[start:start + b] = binned_auc(draws)[0]
        ece_out[start:start + b] = calibration(draws, draws.sum(axis=-2) * mean_score,
                                               n_calibration)[0]
    return auc_out, ece_out


def coarse_histogram(counts: np.ndarray, n_out: int) -> ScoreHistogram:
    """The result's :class:`ScoreHistogram` on ``n_out`` bins (unions of the fine bins) plus
    the bin of scores of 1.0, for what-if thresholds."""
    n_groups, _, width = counts.shape
    n_bins = width - 1
    coarse = counts[..., :-1].reshape(n_groups, 2, n_out, n_bins // n_out).sum(axis=-1)
    coarse = np.concatenate([coarse, counts[..., -1:]], axis=-1)
    edges = histogram_edges(n_out)
    return ScoreHistogram(bin_edges=tuple(float(e) for e in edges),
                          counts=tuple(tuple(tuple(int(v) for v in row) for row in g)
                                       for g in coarse))
