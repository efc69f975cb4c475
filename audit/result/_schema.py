"""The one result schema: everything a report, the dashboard or a policy gate reads.

Frozen pydantic dataclasses: plain dataclasses to the code that builds them, validated when
loaded, and round-tripping through JSON exactly (NaN and infinities are written as the strings
"NaN" / "Infinity" so the file stays valid JSON).

Versioning: ``MAJOR.MINOR``. A minor bump only adds optional fields, so a reader accepts any
file of its own major version whose minor is not newer than its own.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from audit.result._base import Interval, schema_dataclass
from audit.result._counterfactuals import CounterfactualSection
from audit.result._data_privacy import DataPrivacySection
from audit.result._error_analysis import ErrorAnalysisSection
from audit.result._explainability import ExplainabilitySection
from audit.result._fairness import FairnessSection
from audit.result._policy import PolicyResult
from audit.result._privacy import PrivacySection
from audit.result._robustness import RobustnessSection
from audit.result._text import TextSection
from audit.result._text_models import TextModelsSection

SCHEMA_VERSION = "1.0"

@schema_dataclass
class DataInfo:
    """What the model was trained and audited on (the data half of the model card)."""

    name: str
    source: str
    citation: str
    license: str
    target: str
    positive_label: str
    sensitive_features: tuple[str, ...]
    features: tuple[str, ...]
    n_encoded_features: int
    n_train: int
    n_validation: int
    n_test: int
    base_rate_train: float
    base_rate_test: float


@schema_dataclass
class ModelInfo:
    """The trained model: kind, size, architecture as text, and the folder of its weights
    relative to the result.json's folder (no machine path leaks into a shared report)."""

    kind: str
    n_parameters: int
    architecture: str
    weights_path: str = ""


@schema_dataclass
class TrainingInfo:
    """How the model was trained."""

    epochs: int
    epochs_completed: int
    batch_size: int
    optimizer: str
    learning_rate: float
    device: str
    seconds: float
    private: bool = False
    stopped_early: bool = False
    stop_reason: str = ""


@schema_dataclass
class ModelCardInfo:
    """Free-text model-card fields supplied by the user in the config."""

    intended_use: str = ""
    out_of_scope_use: str = ""
    limitations: str = ""
    owners: str = ""
    ethical_considerations: str = ""
    version: str = ""
    training_data: str = ""
    data_license: str = ""
    privacy_measures: str = ""
    human_oversight: str = ""
    contact: str = ""
    changes: str = ""
    standards: str = ""
    monitoring: str = ""


@schema_dataclass
class RunMetadata:
    """Who, what, when and with which versions."""

    run_name: str
    created_at: str
    seed: int
    rai_audit_version: str
    library_versions: dict[str, str]
    data: DataInfo
    model: ModelInfo
    training: TrainingInfo
    card: ModelCardInfo = Field(default_factory=ModelCardInfo)
    timings: dict[str, float] = Field(default_factory=dict)


@schema_dataclass
class EpochRecord:
    """One epoch of the training history: scalar metrics plus structured details."""

    epoch: int
    metrics: dict[str, float]
    details: dict[str, Any] = Field(default_factory=dict)


@schema_dataclass
class ConfusionCounts:
    tn: int
    fp: int
    fn: int
    tp: int


@schema_dataclass
class ModelQuality:
    """Predictive quality on one split at a decision threshold."""

    split: Literal["train", "validation", "test"]
    n: int
    threshold: float
    accuracy: float
    accuracy_interval: Interval
    balanced_accuracy: float
    precision: float
    recall: float
    f1: float
    roc_auc: float
    log_loss: float
    positive_rate: float
    base_rate: float
    confusion: ConfusionCounts


@schema_dataclass
class AuditResult:
    """Everything one audit run produced. Reports and dashboards only present this.

    Sections of the concerns (privacy, fairness, explainability) are ``None`` when that audit
    was not run.
    """

    metadata: RunMetadata
    quality: ModelQuality | None = None
    history: tuple[EpochRecord, ...] = ()
    privacy: PrivacySection | None = None
    fairness: FairnessSection | None = None
    explainability: ExplainabilitySection | None = None
    robustness: RobustnessSection | None = None
    text: TextSection | None = None
    text_models: TextModelsSection | None = None
    error_analysis: ErrorAnalysisSection | None = None
    data_privacy: DataPrivacySection | None = None
    counterfactuals: CounterfactualSection | None = None
    policy: PolicyResult | None = None
    schema_version: str = SCHEMA_VERSION
