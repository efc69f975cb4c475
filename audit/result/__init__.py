"""The versioned result schema shared by audits, reports, the dashboard and policy gates."""

from audit.result._base import Interval, schema_dataclass
from audit.result._explainability import ExplainabilitySection
from audit.result._fairness import FairnessSection
from audit.result._io import load_result, result_from_json, result_to_json, save_result
from audit.result._policy import GateResult, PolicyResult
from audit.result._privacy import PrivacySection, PrivacySpend
from audit.result._schema import (
    SCHEMA_VERSION,
    AuditResult,
    ConfusionCounts,
    DataInfo,
    EpochRecord,
    ModelCardInfo,
    ModelInfo,
    ModelQuality,
    RunMetadata,
    TrainingInfo,
)

__all__ = [
    "SCHEMA_VERSION",
    "AuditResult",
    "ConfusionCounts",
    "DataInfo",
    "EpochRecord",
    "ExplainabilitySection",
    "FairnessSection",
    "GateResult",
    "Interval",
    "ModelCardInfo",
    "ModelInfo",
    "ModelQuality",
    "PolicyResult",
    "PrivacySection",
    "PrivacySpend",
    "RunMetadata",
    "TrainingInfo",
    "load_result",
    "result_from_json",
    "result_to_json",
    "save_result",
    "schema_dataclass",
]
