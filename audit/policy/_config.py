"""Policy files: thresholds that turn an audit into a CI gate. Only pydantic is imported here."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from audit.core import StrictConfig


class GateConfig(StrictConfig):
    """One threshold on one metric.

    Parameters
    ----------
    metric : str
        A registered metric name (``rai-audit metrics`` lists them), e.g. ``privacy.epsilon``
        or ``fairness.demographic_parity_ratio[sex]``.
    max, min : float, optional
        Upper and/or lower threshold.
    severity : {"fail", "warn"}
        A failed ``fail`` gate makes ``rai-audit run`` exit 1; a failed ``warn`` gate only warns.
    require_interval : bool
        Pass only when the metric's confidence interval clears the threshold (the default);
        when only the point estimate clears it, the gate warns. False: judge the point value.
    name : str, optional
        Label shown in the report (default: the metric and its threshold).
    """

    metric: str
    max: float | None = None
    min: float | None = None
    severity: Literal["fail", "warn"] = "fail"
    require_interval: bool = True
    name: str | None = None

    @model_validator(mode="after")
    def _has_threshold(self) -> GateConfig:
        if self.max is None and self.min is None:
            from audit.errors import ConfigError

            raise ConfigError(f"gate {self.metric!r}", "a max and/or a min threshold",
                              "neither", "add e.g. `max: 3.0` or `min: 0.8` to the gate")
        return self


class PolicyConfig(StrictConfig):
    """A list of gates (``policy:`` in audit.yaml, or a separate YAML file)."""

    gates: list[GateConfig] = Field(default_factory=list)
    missing_metric: Literal["fail", "warn"] = Field(
        "fail", description="status of a gate whose metric the audit did not produce")
