"""ROC curve, AUC with a DeLong interval, TPR at a fixed FPR with Clopper-Pearson intervals.

Pure numpy/scipy, no torch. Convention throughout: a higher score means "more likely a member";
members are the positives, non-members the negatives. The attacker predicts "member" when
``score >= threshold``.

Definitions
-----------
- **ROC**: one operating point per distinct score (plus ``(0, 0)`` at threshold ``+inf``), with
  ``TPR = TP / n_members`` and ``FPR = FP / n_nonmembers``. Ties share an operating point.
- **AUC**: area under that step ROC by the trapezoid rule, which equals the Mann-Whitney
  probability ``P(s_member > s_nonmember) + P(tie) / 2``. Its interval is DeLong's (1988)
  normal interval, clipped to ``[0, 1]``; it needs at least 2 members and 2 non-members.
- **TPR at FPR alpha** (no interpolation): the largest TPR among the operating points whose FPR
  is at most ``alpha``, i.e. the attack run at the lowest threshold that keeps the measured FPR
  ``<= alpha``. Its interval is the Clopper-Pearson interval of ``TP`` out of ``n_members`` at
  that threshold. The threshold is chosen on the same non-members, so the interval covers the
  TPR sampling noise only, not the noise in the chosen FPR.
- An FPR level is **resolvable** on a set with ``n`` non-members when ``n * alpha >= 1``: with
  fewer, the only operating point with FPR ``<= alpha`` is the one with zero false positives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from audit.core import clopper_pearson
from audit.result import MAX_STORED_ROC_POINTS, Interval, RocCurve

__all__ = [
    "RocCurve",
    "auc_delong",
    "clopper_pearson",
    "fpr_key",
    "roc_points",
    "tpr_at_fpr",
]

def fpr_key(alpha: float) -> str:
    """The dictionary key of an FPR level: ``0.001 -> "0.001"``.

    Examples
    --------
    >>> fpr_key(0.01)
    '0.01'
    """
    return f"{alpha:g}"


@dataclass(frozen=True)
class RocPoints:
    """The full ROC of a set of scores (not stored in results: see :class:`RocCurve`).

    ``thresholds[i]`` is the lowest score predicted "member" at point ``i``; ``tp`` and ``fp``
    are the counts at that point; ``thresholds[0]`` is ``+inf`` (nothing predicted member).
    """

    thresholds: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    n_members: int
    n_nonmembers: int

    @property
    def tpr(self) -> np.ndarray:
        return self.tp / max(self.n_members, 1)

    @property
    def fpr(self) -> np.ndarray:
        return self.fp / max(self.n_nonmembers, 1)

    def downsample(self, max_points: int = MAX_STORED_ROC_POINTS) -> RocCurve:
        """Keep at most ``max_points`` real operating points (log + linear FPR grid)."""
        fpr, tpr = self.fpr, self.tpr
        n = len(fpr)
        if n <= max_points:
            keep = np.arange(n)
        else:
            smallest = 1.0 / max(self.n_nonmembers, 1)
            n_log = (2 * max_points) // 3 - 2
            grid = np.concatenate([
                np.geomspace(smallest, 1.0, n_log),
                np.linspace(0.0, 1.0, max_points - n_log - 2),
            ])
            # the last operating point with FPR <= each grid value: the best TPR there
            idx = np.searchsorted(fpr, grid, side="right") - 1
            keep = np.unique(np.concatenate([[0, n - 1], np.clip(idx, 0, n - 1)]))
        return RocCurve(fpr=tuple(float(v) for v in fpr[keep]),
                        tpr=tuple(float(v) for v in tpr[keep]), n_points_full=int(n))


def roc_points(member_scores: np.ndarray, nonmember_scores: np.ndarray) -> RocPoints:
    """Every operating point of the attack "member iff score >= threshold".

    Parameters
    ----------
    member_scores, nonmember_scores : array of float
        Attack scores, higher meaning "more likely a member".

    Returns
    -------
    RocPoints

    Examples
    --------
    >>> points = roc_points(np.array([3.0, 2.0]), np.array([2.0, 1.0]))
    >>> points.tp.tolist(), points.fp.tolist()
    ([0, 1, 2, 2], [0, 0, 1, 2])
    """
    pos = np.asarray(member_scores, dtype=np.float64).ravel()
    neg = np.asarray(nonmember_scores, dtype=np.float64).ravel()
    scores = np.concatenate([pos, neg])
    is_member = np.concatenate([np.ones(len(pos), bool), np.zeros(len(neg), bool)])
    order = np.argsort(-scores, kind="stable")
    scores, is_member = scores[order], is_member[order]
    tp = np.cumsum(is_member)
    fp = np.cumsum(~is_member)
    # one point per distinct score: the last index of each run of equal scores
    last = np.r_[np.flatnonzero(np.diff(scores) != 0), len(scores) - 1] if len(scores) else \
        np.zeros(0, int)
    return RocPoints(
        thresholds=np.r_[np.inf, scores[last]],
        tp=np.r_[0, tp[last]].astype(np.int64),
        fp=np.r_[0, fp[last]].astype(np.int64),
        n_members=len(pos), n_nonmembers=len(neg),
    )


def auc_delong(member_scores: np.ndarray, nonmember_scores: np.ndarray,
               level: float = 0.95) -> tuple[float, Interval]:
    """AUC of the scores and its DeLong interval.

    Returns ``(nan, Interval(nan, nan))`` when either side is empty; the interval is
    ``(nan, nan)`` with fewer than 2 members or non-members.

    Examples
    --------
    >>> auc, interval = auc_delong(np.array([2.0, 3, 4]), np.array([1.0, 2, 0]))
    >>> round(auc, 4), interval.method
    (0.9444, 'delong')
    """
    pos = np.asarray(member_scores, dtype=np.float64).ravel()
    neg = np.asarray(nonmember_scores, dtype=np.float64).ravel()
    m, n = len(pos), len(neg)
    nan_interval = Interval(low=float("nan"), high=float("nan"), level=level, method="delong")
    if m == 0 or n == 0:
        return float("nan"), nan_interval
    ranks_all = stats.rankdata(np.concatenate([pos, neg]))
    v10 = (ranks_all[:m] - stats.rankdata(pos)) / n  # share of non-members each member beats
    v01 = 1.0 - (ranks_all[m:] - stats.rankdata(neg)) / m  # share of members above each non-member
    auc = float(v10.mean())
    if m < 2 or n < 2:
        return auc, nan_interval
    se = float(np.sqrt(v10.var(ddof=1) / m + v01.var(ddof=1) / n))
    z = stats.norm.ppf(0.5 + level / 2)
    return auc, Interval(low=max(0.0, auc - z * se), high=min(1.0, auc + z * se), level=level,
                         method="delong")


@dataclass(frozen=True)
class OperatingPoint:
    """The attack at the lowest threshold whose FPR is at most ``target_fpr``."""

    target_fpr: float
    tpr: float
    fpr: float
    true_positives: int
    false_positives: int
    threshold: float
    interval: Interval


def tpr_at_fpr(points: RocPoints, target_fpr: float, level: float = 0.95) -> OperatingPoint:
    """TPR at a fixed FPR (largest TPR with FPR ``<= target_fpr``), with its Clopper-Pearson
    interval. See the module docstring for the exact definition.

    Examples
    --------
    >>> points = roc_points(np.arange(10.0) + 5, np.arange(10.0))
    >>> op = tpr_at_fpr(points, 0.1)
    >>> op.tpr, op.fpr, op.true_positives
    (0.6, 0.1, 6)
    """
    idx = int(np.searchsorted(points.fpr, target_fpr * (1 + 1e-12), side="right") - 1)
    idx = max(idx, 0)
    tp = int(points.tp[idx])
    low, high = clopper_pearson(tp, points.n_members, level)
    return OperatingPoint(
        target_fpr=float(target_fpr), tpr=float(points.tpr[idx]), fpr=float(points.fpr[idx]),
        true_positives=tp, false_positives=int(points.fp[idx]),
        threshold=float(points.thresholds[idx]),
        interval=Interval(low=float(low), high=float(high), level=level,
                          method="clopper-pearson"),
    )
