"""Per-group privacy risk beside accuracy: each attack's AUC and TPR at low FPR for every
sensitive group and intersection, with intervals and group sizes, from the membership scores
the attacks already computed (no new model is trained or scored).

Under-represented groups are known to leak more and to lose more accuracy under DP
(Bagdasaryan et al. 2019); this table puts a group's leakage next to its accuracy so a reviewer
reads both at once. Groups with fewer than :data:`MIN_GROUP_SIZE` members or non-members are
kept and flagged ``small`` (their intervals are wide), and left out of the worst-group gate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from audit.core import group_name, partition_name, wilson_bounds
from audit.privacy._roc import auc_delong, fpr_key, roc_points, tpr_at_fpr
from audit.result import GroupPrivacyRisk, Interval

#: Groups with fewer members or non-members than this are flagged small and not gated.
MIN_GROUP_SIZE = 50


def default_intersections(features: Sequence[str]) -> list[list[str]]:
    """Every pair of sensitive features (``[["sex", "race"], ...]``)."""
    return [list(pair) for pair in combinations(features, 2)]


def _partitions(sensitive: pd.DataFrame, intersections: Sequence[Sequence[str]]
                ) -> list[tuple[str, np.ndarray]]:
    parts = [(str(c), sensitive[c].astype(str).to_numpy()) for c in sensitive.columns]
    for features in intersections:
        missing = [f for f in features if f not in sensitive.columns]
        if missing or len(features) < 2:
            from audit.errors import ConfigError

            raise ConfigError("audits.privacy.group_intersections",
                              f"lists of two or more sensitive features among "
                              f"{list(sensitive.columns)}", repr(list(features)),
                              "name sensitive features of the data, or set []")
        labels = sensitive[list(features)].astype(str).to_numpy()
        parts.append((partition_name(features), np.array([group_name(row) for row in labels])))
    return parts


def group_privacy_risk(scores: Mapping[str, np.ndarray], is_member: np.ndarray,
                       sensitive: pd.DataFrame, correct: np.ndarray, *,
                       intersections: Sequence[Sequence[str]] = (),
                       fpr_levels: Sequence[float] = (0.001, 0.01),
                       confidence_level: float = 0.95) -> tuple[GroupPrivacyRisk, ...]:
    """One row per attack, partition (feature or intersection) and group.

    Parameters
    ----------
    scores : mapping of attack name to array
        Membership scores of the audited examples (members first or not: ``is_member`` says).
    is_member : array of bool
    sensitive : pandas.DataFrame
        Group labels of the audited examples, one column per sensitive feature.
    correct : array of bool
        Whether the target model classifies each audited example correctly; the accuracy
        column is read on the non-members (held-out rows).
    intersections : sequence of sequences of str
    fpr_levels : sequence of float
    confidence_level : float
        Level of the DeLong, Clopper-Pearson and Wilson intervals.

    Returns
    -------
    tuple of GroupPrivacyRisk

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> member = np.r_[np.ones(200, bool), np.zeros(200, bool)]
    >>> groups = pd.DataFrame({"sex": rng.choice(["F", "M"], 400)})
    >>> rows = group_privacy_risk({"loss": rng.normal(size=400) + member}, member, groups,
    ...                           np.ones(400, bool))
    >>> [(r.group, r.auc > 0.6) for r in rows]
    [('F', True), ('M', True)]
    """
    is_member = np.asarray(is_member, bool)
    correct = np.asarray(correct, bool)
    rows = []
    for partition, labels in _partitions(sensitive.reset_index(drop=True), intersections):
        for group in sorted(set(labels)):
            in_group = labels == group
            held_out = in_group & ~is_member
            n_held = int(held_out.sum())
            hits = int(correct[held_out].sum())
            lo, hi = wilson_bounds(np.array([hits]), np.array([n_held]), confidence_level)
            for attack, values in scores.items():
                values = np.asarray(values, dtype=np.float64)
                pos, neg = values[in_group & is_member], values[held_out]
                auc, auc_interval = auc_delong(pos, neg, confidence_level)
                points = roc_points(pos, neg) if len(pos) and len(neg) else None
                ops = {fpr_key(a): tpr_at_fpr(points, a, confidence_level) for a in fpr_levels
                       } if points is not None else {}
                nan = Interval(float("nan"), float("nan"), confidence_level, "clopper-pearson")
                rows.append(GroupPrivacyRisk(
                    partition=partition, group=group, attack=attack, n_members=len(pos),
                    n_nonmembers=len(neg), auc=auc, auc_interval=auc_interval,
                    tpr_at_fpr={fpr_key(a): (ops[fpr_key(a)].tpr if ops else float("nan"))
                                for a in fpr_levels},
                    tpr_at_fpr_intervals={fpr_key(a): (ops[fpr_key(a)].interval if ops else nan)
                                          for a in fpr_levels},
                    accuracy=hits / n_held if n_held else float("nan"),
                    accuracy_interval=Interval(float(lo[0]), float(hi[0]), confidence_level,
                                               "wilson"),
                    small=min(len(pos), len(neg)) < MIN_GROUP_SIZE))
    return tuple(rows)


def worst_group(rows: Sequence[GroupPrivacyRisk], *, partition: str | None = None,
                attack: str | None = None) -> GroupPrivacyRisk | None:
    """The row with the highest attack AUC among groups that are not small (None: none)."""
    kept = [r for r in rows if not r.small and not np.isnan(r.auc)
            and (partition is None or r.partition == partition)
            and (attack is None or r.attack == attack)]
    return max(kept, key=lambda r: r.auc) if kept else None


def risk_table(rows: Sequence[GroupPrivacyRisk], attack: str | None = None) -> list[dict]:
    """Display rows (report, dashboard) of one attack's group risk: the attack with the highest
    worst-group AUC when ``attack`` is None. Plain values, intervals as ``(low, high)``."""
    if not rows:
        return []
    if attack is None:
        worst = worst_group(rows) or max(rows, key=lambda r: -1 if np.isnan(r.auc) else r.auc)
        attack = worst.attack
    return [{"attack": r.attack, "partition": r.partition, "group": r.group,
             "members": r.n_members, "non-members": r.n_nonmembers, "auc": r.auc,
             "auc_ci": (r.auc_interval.low, r.auc_interval.high),
             "tpr_at_1pct_fpr": r.tpr_at_fpr.get("0.01", float("nan")),
             "tpr_ci": ((r.tpr_at_fpr_intervals["0.01"].low, r.tpr_at_fpr_intervals["0.01"].high)
                        if "0.01" in r.tpr_at_fpr_intervals else (float("nan"),) * 2),
             "accuracy": r.accuracy, "accuracy_ci": (r.accuracy_interval.low,
                                                     r.accuracy_interval.high),
             "small": r.small} for r in rows if r.attack == attack]
