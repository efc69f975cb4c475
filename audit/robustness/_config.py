"""Config of the robustness audit (the ``audits.robustness`` block of audit.yaml).

Kept free of heavy imports: :mod:`audit.config` imports it.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from audit.core import StrictConfig


def _default_grid() -> list[float]:
    return [round(0.05 * i, 2) for i in range(1, 20)]


class RobustnessAuditConfig(StrictConfig):
    """Options of the controllability and robustness checks; ``enabled: false`` skips them.

    Numeric sensitive features are shifted by ``numeric_shifts[feature]`` (in the feature's own
    units, clipped to the training range); without an entry, by minus and plus one training
    standard deviation.
    """

    enabled: bool = False
    sensitive_features: list[str] | None = Field(
        None, description="features to change counterfactually (default: the dataset's sensitive features)")
    threshold: float = Field(0.5, gt=0.0, lt=1.0, description="decision threshold on the score")
    numeric_shifts: dict[str, list[float]] = Field(
        default_factory=dict, description="shifts of numeric sensitive features, e.g. {age: [-10, 10]}")
    noise_scales: list[float] = Field(
        default_factory=lambda: [0.01, 0.05, 0.1],
        description="Gaussian noise, in standard deviations of the standardized numeric inputs")
    perturbation_fraction: float = Field(
        0.05, gt=0.0, le=1.0, description="numeric features shifted by +/- this share of their training range")
    perturb_features: list[str] | None = Field(
        None, description="features perturbed one at a time (default: every model input that is "
                          "not a sensitive feature)")
    threshold_grid: list[float] = Field(default_factory=_default_grid,
                                        description="decision thresholds for the sensitivity curves")
    text_identity_axes: list[str] | None = Field(
        None, description="text runs: HolisticBias axes whose terms found in test texts are swapped "
                          "(default: gender, race, religion, nationality, sexual orientation, age)")
    typo_rates: list[float] = Field(
        default_factory=lambda: [0.05, 0.1, 0.2],
        description="text runs: shares of words (4+ letters) given one keyboard slip")
    confidence_level: float = Field(0.95, gt=0.5, lt=1.0)
    cpu_threads: int | None = Field(
        1, gt=0, description="torch intra-op threads while scoring (None: leave torch's setting); "
                             "small batched forward passes are fastest on one thread")

    @field_validator("noise_scales")
    @classmethod
    def _positive_scales(cls, value: list[float]) -> list[float]:
        if any(not s > 0 for s in value):
            raise ValueError("noise scales must be positive")
        return value

    @field_validator("typo_rates")
    @classmethod
    def _typo_rates_are_shares(cls, value: list[float]) -> list[float]:
        if any(not 0.0 < r <= 1.0 for r in value):
            raise ValueError("typo rates are shares of words, in (0, 1]")
        return value

    @field_validator("threshold_grid")
    @classmethod
    def _grid_in_unit_interval(cls, value: list[float]) -> list[float]:
        if len(value) < 2 or any(not 0.0 < t < 1.0 for t in value):
            raise ValueError("at least two thresholds, each strictly between 0 and 1")
        return sorted(set(value))
