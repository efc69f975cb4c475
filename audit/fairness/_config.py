"""Config of the fairness audit (the `audits.fairness` block of audit.yaml).

Kept free of heavy imports: `audit.config` imports it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from audit.core import NanPolicy, StrictConfig

MitigationMethod = Literal[
    "reweighing", "correlation_remover", "threshold_optimizer", "exponentiated_gradient"]
FairnessConstraint = Literal["demographic_parity", "equalized_odds"]


class DisparityThresholds(StrictConfig):
    """Pass/fail limits: a difference passes when at most its limit, a ratio when at least."""

    demographic_parity_difference: float = Field(0.1, ge=0.0, le=1.0)
    demographic_parity_ratio: float = Field(0.8, ge=0.0, le=1.0)
    equalized_odds_difference: float = Field(0.1, ge=0.0, le=1.0)
    equalized_odds_ratio: float = Field(0.8, ge=0.0, le=1.0)
    equal_opportunity_difference: float = Field(0.1, ge=0.0, le=1.0)
    four_fifths_rule: float = Field(0.8, ge=0.0, le=1.0)


class MitigationConfig(StrictConfig):
    """Mitigations to try and what each retraining may cost.

    Pre- and in-processing retrain a fresh copy of the audited architecture. By default each
    retrain uses the audited model's own training settings (epochs, batch, optimizer, learning
    rate) and is compared with the audited model itself. Setting ``epochs`` (a quick budget)
    retrains with that budget instead, and compares with an unmitigated retrain of the same
    budget, so the accuracy cost is not confounded by it. A model trained outside rai-audit has
    no known settings: its retrains use ``audit.training.fit``'s defaults and are compared with
    an unmitigated retrain of those. Post-processing (``threshold_optimizer``) adjusts the
    audited model's own scores.
    """

    enabled: bool = False
    sensitive_feature: str | None = Field(
        None, description="feature to mitigate for (default: the first audited feature)")
    methods: list[MitigationMethod] = Field(default_factory=lambda: [
        "reweighing", "correlation_remover", "threshold_optimizer", "exponentiated_gradient"])
    constraints: list[FairnessConstraint] = Field(
        default_factory=lambda: ["demographic_parity", "equalized_odds"])
    epochs: int | None = Field(None, gt=0, description="retrain budget (default: the audited "
                                                       "model's own training settings)")
    batch_size: int | None = Field(None, gt=0, description="with epochs (default: the audited "
                                                           "model's)")
    learning_rate: float | None = Field(None, gt=0.0, description="with epochs (default: the "
                                                                  "audited model's)")
    correlation_alpha: float = Field(1.0, ge=0.0, le=1.0)
    exponentiated_gradient_max_iter: int = Field(5, gt=0)
    exponentiated_gradient_eps: float = Field(0.02, gt=0.0)
    exponentiated_gradient_epochs: int | None = Field(
        None, gt=0, description="epochs of each of its fits (default: as the other retrains; "
                                "fewer: compared with an unmitigated retrain of that budget)")
    torch_threads: int = Field(
        1, ge=0, description="torch CPU threads while retraining (0: leave torch's setting)")


class FairnessAuditConfig(StrictConfig):
    """Options of the fairness audit; `enabled: false` skips it."""

    enabled: bool = False
    sensitive_features: list[str] | None = Field(
        None, description="features to audit (default: the dataset's sensitive features)")
    intersections: list[list[str]] | None = Field(
        None, description="feature combinations to audit jointly (default: every pair)")
    threshold: float = Field(0.5, gt=0.0, lt=1.0, description="decision threshold on the score")
    min_group_size: int = Field(30, ge=1, description="groups smaller than this are flagged")
    text_identity_axes: list[str] | None = Field(
        None, description="text runs: HolisticBias axes whose terms found in the texts define groups "
                          "(default: gender, race, religion, nationality, sexual orientation, age; [] for none)")
    max_groups: int = Field(60, ge=2, description="refuse features with more groups than this")
    nan_policy: NanPolicy = "error"
    confidence_level: float = Field(0.95, gt=0.5, lt=1.0)
    bootstrap_replicates: int = Field(1000, ge=0)
    score_bootstrap_replicates: int = Field(200, ge=0)
    calibration_bins: int = Field(10, ge=2, le=100)
    score_histogram_bins: int = Field(100, ge=10, le=1000)
    thresholds: DisparityThresholds = Field(default_factory=DisparityThresholds)
    track_training: bool = Field(True, description="evaluate on the validation split each epoch")
    mitigation: MitigationConfig = Field(default_factory=MitigationConfig)
