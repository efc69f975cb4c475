"""Each sensitive group's accuracy cost under DP: the audited DP model against its non-private
twin (same data, architecture, seed and epochs, no DP), on the same test rows.

DP-SGD is known to cost under-represented groups more accuracy (Bagdasaryan et al. 2019).
Both models are scored on the same held-out rows, so the cost of a group is a paired
difference: its interval comes from a paired bootstrap (:func:`audit.core.paired_difference_interval`),
much narrower than two independent intervals would suggest. Groups are those of the per-group
privacy risk table (every sensitive feature and the configured intersections), so the fairness
view shows each group's cost beside its attack AUC. A run without DP has no cost: the section
records why, never a 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from audit.core import paired_difference_interval
from audit.privacy._group_risk import MIN_GROUP_SIZE, _partitions
from audit.result import GroupDPCost, GroupDPCostAudit, Interval

#: Bootstrap replicates of each group's interval (one multinomial draw each: cheap).
N_REPLICATES = 2000
NO_DP_REASON = ("trained without DP: there is no private model whose accuracy cost could be "
                "measured (the cost is undefined, not 0)")


def group_dp_cost(y: np.ndarray, pred_private: np.ndarray, pred_non_private: np.ndarray,
                  sensitive: pd.DataFrame, *, intersections: Sequence[Sequence[str]] = (),
                  twin: str = "", threshold: float = 0.5, confidence_level: float = 0.95,
                  n_replicates: int = N_REPLICATES, min_group_size: int = MIN_GROUP_SIZE,
                  seed: int = 0) -> GroupDPCostAudit:
    """One row per group of each sensitive feature and intersection: accuracy with and without
    DP on the group's test rows, the cost and its paired bootstrap interval.

    Parameters
    ----------
    y : array of 0/1
        Test labels.
    pred_private, pred_non_private : array of 0/1
        Decisions of the DP model and of its non-private twin on the same rows.
    sensitive : pandas.DataFrame
        Group labels of the test rows, one column per sensitive feature.
    intersections : sequence of sequences of str
    twin : str
        How the non-private twin was obtained (kept in the result).
    threshold : float
        The decision threshold both predictions used (recorded).
    confidence_level : float
    n_replicates : int
    min_group_size : int
        Groups with fewer test rows are flagged small (not gated).
    seed : int

    Returns
    -------
    GroupDPCostAudit

    Examples
    --------
    >>> y = np.r_[np.ones(300), np.zeros(300)].astype(int)
    >>> groups = pd.DataFrame({"g": ["big"] * 500 + ["small"] * 100})
    >>> private = y.copy(); private[500:560] = 1 - private[500:560]  # DP misses 60 of "small"
    >>> cost = group_dp_cost(y, private, y, groups)
    >>> [(r.group, round(r.cost, 2), r.cost_interval.low > 0) for r in cost.rows]
    [('big', 0.0, False), ('small', 0.6, True)]
    """
    y = np.asarray(y).astype(int)
    right_private = np.asarray(pred_private).astype(int) == y
    right_plain = np.asarray(pred_non_private).astype(int) == y
    rng = np.random.default_rng(seed)
    rows = []
    for partition, labels in _partitions(sensitive.reset_index(drop=True), intersections):
        for group in sorted(set(labels)):
            mask = labels == group
            cost, low, high = paired_difference_interval(
                right_plain[mask], right_private[mask], level=confidence_level,
                n_replicates=n_replicates, seed=rng)
            n = int(mask.sum())
            rows.append(GroupDPCost(
                partition=partition, group=group, n=n,
                accuracy_private=float(right_private[mask].mean()),
                accuracy_non_private=float(right_plain[mask].mean()), cost=cost,
                cost_interval=Interval(low, high, confidence_level, "paired bootstrap"),
                small=n < min_group_size))
    return GroupDPCostAudit(
        rows=tuple(rows), twin=twin, accuracy_private=float(right_private.mean()),
        accuracy_non_private=float(right_plain.mean()), threshold=threshold,
        confidence_level=confidence_level, n_replicates=n_replicates,
        min_group_size=min_group_size)


def not_measured(reason: str) -> GroupDPCostAudit:
    """A cost table without rows, saying why (never a cost of 0)."""
    return GroupDPCostAudit(undefined_reason=reason)


def worst_cost(audit: GroupDPCostAudit, partition: str | None = None) -> GroupDPCost | None:
    """The group that loses the most accuracy to DP among groups that are not small."""
    kept = [r for r in audit.rows if not r.small and not np.isnan(r.cost)
            and (partition is None or r.partition == partition)]
    return max(kept, key=lambda r: r.cost) if kept else None
