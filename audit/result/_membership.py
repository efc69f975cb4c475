"""Result types of the membership-inference audit: frozen schema dataclasses, JSON-safe.

Kept free of torch and of the attack code (imports only pydantic and
:mod:`audit.result._base`), so :mod:`audit.result` can import them without a cycle.
"""

from __future__ import annotations

from typing import Literal

from audit.result._base import Interval, schema_dataclass
from audit.result._canary import GroupPrivacyRisk

__all__ = [
    "AttackName",
    "AttackResult",
    "EmpiricalEpsilon",
    "GroupAttackResult",
    "MembershipAudit",
    "RocCurve",
]

AttackName = Literal["loss", "lira_offline", "lira_online", "rmia_offline", "rmia_online"]
EpsilonDirection = Literal["tpr/fpr", "tnr/fnr", "none"]

#: At most this many ROC points are stored in a result.
MAX_STORED_ROC_POINTS = 200


@schema_dataclass
class RocCurve:
    """An ROC curve as stored in a result: real operating points, FPR ascending.

    At most :data:`MAX_STORED_ROC_POINTS` points are kept, chosen on a log-spaced FPR grid (so
    the low-FPR region survives for log-log plots) merged with a linear grid; both ends
    ``(0, 0)`` and ``(1, 1)`` are always kept.

    Attributes
    ----------
    fpr, tpr : tuple of float
        False- and true-positive rates of each kept operating point.
    n_points_full : int
        Number of operating points before downsampling.
    """

    fpr: tuple[float, ...]
    tpr: tuple[float, ...]
    n_points_full: int = 0


@schema_dataclass
class EmpiricalEpsilon:
    """A lower bound on the epsilon of the training algorithm, proved by one attack.

    Attributes
    ----------
    epsilon_lower_bound : float
        ``max(0, max over candidates of log((TPR_low - delta) / FPR_high))``.
    delta : float
    confidence_level : float
        The bound holds with at least this probability (Bonferroni over all candidates).
    direction : {"tpr/fpr", "tnr/fnr", "none"}
        ``"tpr/fpr"``: the test "member iff score > threshold" with ``TPR <= e^eps FPR + delta``;
        ``"tnr/fnr"``: the swapped inequality ``TNR <= e^eps FNR + delta``
        (``TNR = 1 - FPR``, ``FNR = 1 - TPR``); ``"none"``: no candidate proved a positive bound.
    threshold : float
        Score threshold of the best candidate: predict member iff ``score > threshold`` in
        direction ``"tpr/fpr"``, iff ``score >= threshold`` in direction ``"tnr/fnr"``.
    true_positives, false_positives, n_members, n_nonmembers : int
        Counts at that threshold (TP among members, FP among non-members).
    rate_lower, rate_upper : float
        The Clopper-Pearson bounds used: the lower bound on the numerator rate (TPR or TNR) and
        the upper bound on the denominator rate (FPR or FNR).
    n_candidates : int
        Candidate thresholds tried over both directions.
    bound_error : float
        Error of each one-sided Clopper-Pearson bound: ``(1 - confidence) / (2 n_candidates)``.
    """

    epsilon_lower_bound: float
    delta: float
    confidence_level: float
    direction: EpsilonDirection
    threshold: float
    true_positives: int
    false_positives: int
    n_members: int
    n_nonmembers: int
    rate_lower: float
    rate_upper: float
    n_candidates: int
    bound_error: float


@schema_dataclass
class GroupAttackResult:
    """Attack success on one sensitive group.

    Attributes
    ----------
    n_members, n_nonmembers : int
        Group size on each side.
    auc : float
        NaN when one side of the group is empty.
    auc_interval : Interval
        DeLong interval (NaN bounds with fewer than 2 on a side).
    tpr_at_fpr, tpr_at_fpr_intervals : dict
        Keyed by FPR level (``"0.001"``, ``"0.01"``); Clopper-Pearson intervals.
    fpr_resolvable : dict of str to bool
        Whether the group has at least ``1 / level`` non-members, so that FPR ``level`` can be
        measured at all (otherwise the TPR shown is the one at zero false positives).
    flags : tuple of str
        Plain-language warnings about the group's size; empty when none.
    """

    n_members: int
    n_nonmembers: int
    auc: float
    auc_interval: Interval
    tpr_at_fpr: dict[str, float]
    tpr_at_fpr_intervals: dict[str, Interval]
    fpr_resolvable: dict[str, bool]
    flags: tuple[str, ...] = ()


@schema_dataclass
class AttackResult:
    """How well one membership-inference attack separates members from non-members.

    Attributes
    ----------
    name : {"loss", "lira_offline", "lira_online"}
    description : str
    auc : float
    auc_interval : Interval
        DeLong interval.
    tpr_at_fpr : dict of str to float
        TPR at FPR ``"0.001"`` and ``"0.01"``: the largest TPR among operating points with
        measured FPR at most the level (no interpolation; see :mod:`audit.privacy._roc`).
    tpr_at_fpr_intervals : dict of str to Interval
        Clopper-Pearson intervals of those TPRs.
    fpr_achieved : dict of str to float
        The measured FPR at those operating points (at most the level).
    fpr_resolvable : dict of str to bool
        Whether there are at least ``1 / level`` non-members.
    roc : RocCurve
        At most 200 operating points, low-FPR region kept.
    n_members, n_nonmembers : int
    per_group : dict
        ``per_group[sensitive_feature][group_label]``.
    empirical_epsilon : EmpiricalEpsilon or None
        The epsilon this attack proves, when ``delta`` was given.
    """

    name: AttackName
    description: str
    auc: float
    auc_interval: Interval
    tpr_at_fpr: dict[str, float]
    tpr_at_fpr_intervals: dict[str, Interval]
    fpr_achieved: dict[str, float]
    fpr_resolvable: dict[str, bool]
    roc: RocCurve
    n_members: int
    n_nonmembers: int
    per_group: dict[str, dict[str, GroupAttackResult]]
    empirical_epsilon: EmpiricalEpsilon | None = None


@schema_dataclass
class MembershipAudit:
    """Result of :func:`membership_inference_audit`.

    Attributes
    ----------
    attacks : dict of str to AttackResult
        One entry per attack run, keyed by its name.
    n_members, n_nonmembers : int
        Audited examples (after removing overlaps when ``on_overlap="drop"``).
    n_nonmembers_dropped : int
        Non-members removed because identical (features and label) to a member.
    n_population : int
        Extra examples used only to train the reference models.
    n_reference_models : int
        Reference models trained for LiRA (0 when no LiRA attack ran).
    lira_variance : {"per_example", "global", "none"}
        Variance model LiRA used.
    delta : float or None
    confidence_level : float
        Confidence level of every interval and of ``empirical_epsilon``.
    empirical_epsilon : EmpiricalEpsilon or None
        The largest lower bound over the attacks. Each attack's bound is computed at confidence
        ``1 - (1 - confidence) / n_attacks`` so that this maximum holds at ``confidence``.
    empirical_epsilon_attack : str
        The attack that gave it ("" when none).
    seconds : dict of str to float
        ``"target_scoring"``, ``"reference_training"``, ``"per_reference_model"``, ``"total"``.
    notes : tuple of str
    group_risk : tuple of GroupPrivacyRisk
        Every attack's AUC and TPR at low FPR per sensitive group and intersection, with
        intervals, group sizes and the target's accuracy on the group's non-members.
    """

    attacks: dict[str, AttackResult]
    n_members: int
    n_nonmembers: int
    n_nonmembers_dropped: int
    n_population: int
    n_reference_models: int
    lira_variance: Literal["per_example", "global", "none"]
    delta: float | None
    confidence_level: float
    empirical_epsilon: EmpiricalEpsilon | None
    empirical_epsilon_attack: str
    seconds: dict[str, float]
    notes: tuple[str, ...] = ()
    group_risk: tuple[GroupPrivacyRisk, ...] = ()
