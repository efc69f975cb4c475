"""The prediction-log audit's config (``rai-audit audit-predictions CONFIG``), validated with
pydantic like ``audit.yaml``: unknown keys are refused with a suggestion.

Kept free of heavy imports (no engine is imported here).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from audit.config import CardConfig
from audit.core import config_problems, yaml_error_text
from audit.error_analysis import ErrorAnalysisConfig
from audit.errors import ConfigError, RaiAuditError
from audit.fairness import FairnessAuditConfig
from audit.policy import PolicyConfig

EngineName = Literal["pandas", "polars", "pyarrow", "dask", "pyspark"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LogSource(_Strict):
    """Where the log is and which engine reads it (a DataFrame passed to the API needs none)."""

    path: Path | None = Field(None, description="parquet file or folder, or CSV; relative to "
                                                "the config's folder")
    table: str | None = Field(None, description="a table of the Spark catalog (engine pyspark)")
    format: Literal["parquet", "csv"] | None = Field(None, description="default: from the suffix")
    engine: EngineName | None = Field(
        None, description="default: polars for a path, pyspark for a table")
    spark_master: str | None = Field(
        None, description="e.g. local[2]; leave unset under spark-submit or on Databricks")
    spark_conf: dict[str, str] = Field(default_factory=dict,
                                       description="Spark settings for the session")
    dask_scheduler: str | None = Field(
        None, description="address of a running Dask scheduler, e.g. tcp://scheduler:8786")

    @model_validator(mode="after")
    def _one_source(self) -> LogSource:
        if self.path is not None and self.table is not None:
            raise ConfigError("log", "a path or a table", "both", "keep one of log.path and log.table")
        if self.table is not None and self.engine not in (None, "pyspark"):
            raise ConfigError("log.engine", "pyspark for a catalog table", repr(self.engine),
                              "read a table with engine: pyspark, or give its path")
        return self

    @property
    def resolved_engine(self) -> str:
        return self.engine or ("pyspark" if self.table is not None else "polars")


class LogPrivacyConfig(_Strict):
    """k-anonymity and l-diversity of the log on ``quasi_identifiers``."""

    sensitive: str | None = Field(None, description="column for l-diversity (default: the label)")
    k_target: int = Field(5, ge=1)
    l_target: int = Field(2, ge=1)
    n_smallest: int = Field(10, ge=0, le=1000, description="smallest classes listed")


class PredictionAuditConfig(_Strict):
    """A whole prediction-log audit: the log, what its columns mean, and the audits' options.

    ``sensitive_features``, ``intersections`` and ``threshold`` are the fairness audit's (they
    override the ``fairness`` block's); ``features`` define error-analysis slices (with the
    sensitive features unless ``error_analysis.include_sensitive`` is false).
    """

    name: str = "prediction-log"
    seed: int = 0
    log: LogSource = Field(default_factory=LogSource)
    label: str = Field(..., description="column of true labels")
    score: str | None = Field(None, description="column of probabilities of the favourable label")
    prediction: str | None = Field(None, description="column of decisions (in the label's values)")
    favourable_label: str | int | bool = Field(1, description="label value of the favourable outcome")
    sensitive_features: list[str] = Field(..., min_length=1)
    intersections: list[list[str]] | None = Field(
        None, description="feature combinations audited jointly (default: every pair)")
    threshold: float = Field(0.5, gt=0.0, lt=1.0, description="decision threshold on the score")
    features: list[str] = Field(default_factory=list, description="columns defining slices")
    timestamp: str | None = Field(None, description="column of prediction times")
    window: Literal["day", "week", "month"] | None = Field(
        None, description="fairness per window of the timestamp (default week with a timestamp)")
    quasi_identifiers: list[str] = Field(default_factory=list,
                                         description="columns for k-anonymity / l-diversity")
    score_bins: int = Field(1000, ge=10, le=100_000,
                            description="score histogram bins for ROC AUC and calibration")
    max_counts_rows: int = Field(1_000_000, ge=1000,
                                 description="most rows one counts table may bring to the driver")
    fairness: FairnessAuditConfig = Field(default_factory=lambda: FairnessAuditConfig(enabled=True))
    error_analysis: ErrorAnalysisConfig = Field(
        default_factory=lambda: ErrorAnalysisConfig(enabled=True))
    data_privacy: LogPrivacyConfig = Field(default_factory=LogPrivacyConfig)
    card: CardConfig = Field(default_factory=CardConfig)
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    output_dir: Path = Path("reports/out/predictions")

    @model_validator(mode="before")
    @classmethod
    def _enabled_by_default(cls, data: Any) -> Any:
        """A ``fairness`` or ``error_analysis`` block runs unless it says ``enabled: false``."""
        if isinstance(data, dict):
            data = dict(data)
            for key in ("fairness", "error_analysis"):
                block = data.get(key)
                if isinstance(block, dict) and "enabled" not in block:
                    data[key] = {"enabled": True, **block}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> PredictionAuditConfig:
        if (self.score is None) == (self.prediction is None):
            raise ConfigError("score / prediction", "exactly one of them",
                              "both" if self.score else "neither",
                              "name the probability column (score) or the decision column "
                              "(prediction)")
        if self.fairness.mitigation.enabled:
            raise ConfigError("fairness.mitigation.enabled", "false for a prediction log", "true",
                              "mitigation retrains a model; audit the model with `rai-audit run`")
        if self.fairness.sensitive_features is not None or self.fairness.intersections is not None:
            raise ConfigError("fairness.sensitive_features / intersections",
                              "unset in the fairness block", "set",
                              "give sensitive_features and intersections at the top level")
        for bins in (self.fairness.calibration_bins, self.fairness.score_histogram_bins):
            if self.score_bins % bins:
                raise ConfigError("score_bins", f"a multiple of {bins} (calibration and what-if "
                                  "bins are unions of score bins)", str(self.score_bins),
                                  f"use e.g. {bins * max(1, round(self.score_bins / bins))}")
        if self.window is not None and self.timestamp is None:
            raise ConfigError("window", "a timestamp column", "none",
                              "name the timestamp column, or remove the window")
        return self

    @property
    def effective_window(self) -> str | None:
        return self.window or ("week" if self.timestamp is not None else None)

    def fairness_config(self) -> FairnessAuditConfig:
        """The fairness block with the top-level threshold (and intersections) applied."""
        return self.fairness.model_copy(update={"threshold": self.threshold,
                                                "intersections": self.intersections})


def parse_prediction_config(data: Any, *, source: str = "config",
                            base_dir: Path | None = None) -> PredictionAuditConfig:
    """Validate a mapping; a relative ``log.path`` is resolved against ``base_dir``.

    Raises
    ------
    ConfigError
        Listing every problem (unknown keys with suggestions, wrong types, bad values).
    """
    if not isinstance(data, dict):
        raise ConfigError(source, "a YAML mapping (log, label, score, sensitive_features, ...)",
                          type(data).__name__, "start from the README's example")
    try:
        config = PredictionAuditConfig.model_validate(data)
    except ValidationError as exc:
        raise RaiAuditError.from_problems(config_problems(exc, source, PredictionAuditConfig)) from None
    path = config.log.path
    if base_dir is not None and path is not None and not path.is_absolute() \
            and "://" not in str(path):
        config = config.model_copy(update={"log": config.log.model_copy(
            update={"path": base_dir / path})})
    return config


def load_prediction_config(path: str | Path) -> PredictionAuditConfig:
    """Read and validate a prediction-log audit config (YAML)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(str(path), "an existing YAML config file", "no such file",
                          "check the path")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), "valid YAML", yaml_error_text(exc),
                          "fix the YAML syntax there") from None
    return parse_prediction_config(data, source=str(path), base_dir=path.parent)
