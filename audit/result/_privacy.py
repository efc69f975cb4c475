"""The privacy section of an :class:`~audit.result.AuditResult`."""

from __future__ import annotations

from audit.result._base import Interval, schema_dataclass
from audit.result._canary import CanaryAudit
from audit.result._dp_cost import GroupDPCostAudit
from audit.result._membership import MembershipAudit
from audit.result._privacy_checkpoints import PrivacyCheckpoint


@schema_dataclass
class PrivacySpend:
    """The formal guarantee of a DP-SGD run: (epsilon, delta) under a named accountant.

    ``epsilons`` holds every accountant's value for the same history (PRV: numerical, tight;
    RDP: upper bound, looser; GDP: central-limit approximation).
    """

    accountant: str
    epsilon: float
    delta: float
    delta_rule: str
    epsilons: dict[str, float]
    noise_multiplier: float
    max_grad_norm: float
    sample_rate: float
    steps: int
    epochs: int
    poisson_sampling: bool
    clipping: str
    grad_sample_mode: str
    target_epsilon: float | None = None


@schema_dataclass
class UtilityPoint:
    """One training run of the privacy-utility curve.

    ``epsilon`` is ``inf`` for the non-private run. ``dp_difference`` is the demographic parity
    difference over ``fairness_feature``; ``worst_group_accuracy`` names its group.
    ``fairness_history`` holds, per epoch, the validation-split fairness scalars of that
    feature (``fairness/accuracy[sex=Female]``, ``fairness/demographic_parity_difference[sex]``,
    ...), so private and non-private runs can be compared epoch by epoch.
    """

    target_epsilon: float
    epsilon: float
    noise_multiplier: float
    accuracy: float
    attack_auc: float
    attack_auc_interval: Interval
    fairness_feature: str
    dp_difference: float
    worst_group: str
    worst_group_accuracy: float
    seconds: float
    fairness_history: tuple[dict[str, float], ...] = ()


@schema_dataclass
class PrivacySection:
    """Results of the privacy audit.

    Attributes
    ----------
    spend : PrivacySpend or None
        None when the model was trained without DP (no formal guarantee: epsilon is infinite).
    membership : MembershipAudit or None
        Membership-inference attacks on the trained model (see :mod:`audit.privacy`).
    utility_curve : tuple of UtilityPoint
        One point per training run at a privacy level (non-private last).
    notes : tuple of str
        Plain-language statements for the report.
    canary_audit : CanaryAudit or None
        The one-run canary audit (``audits.privacy.canaries``), of a twin run trained with the
        target's settings and the canaries.
    group_dp_cost : GroupDPCostAudit or None
        Each sensitive group's accuracy cost under DP against a non-private twin (rows absent,
        with the reason, for a run without DP). None in results written before schema 2.4.
    checkpoints : tuple of PrivacyCheckpoint
        A DP run's accountant epsilons and attack / canary lower bounds after each epoch.
    """

    spend: PrivacySpend | None = None
    membership: MembershipAudit | None = None
    utility_curve: tuple[UtilityPoint, ...] = ()
    notes: tuple[str, ...] = ()
    canary_audit: CanaryAudit | None = None
    group_dp_cost: GroupDPCostAudit | None = None
    checkpoints: tuple[PrivacyCheckpoint, ...] = ()
