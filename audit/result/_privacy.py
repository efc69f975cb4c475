"""The privacy section of an :class:`~audit.result.AuditResult`."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from audit.result._base import Interval, schema_dataclass  # noqa: F401


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
class PrivacySection:
    """Results of the privacy audit.

    Attributes
    ----------
    spend : PrivacySpend or None
        None when the model was trained without DP (no formal guarantee: epsilon is infinite).
    attacks : dict
        Membership-inference results by attack name (see :mod:`audit.privacy`).
    utility_curve : tuple of dict
        One point per training run at a privacy level: epsilon, accuracy, attack AUC, gap.
    notes : tuple of str
        Plain-language statements for the report.
    """

    spend: PrivacySpend | None = None
    attacks: dict[str, Any] = Field(default_factory=dict)
    utility_curve: tuple[dict[str, Any], ...] = ()
    notes: tuple[str, ...] = ()
