"""The versioned result schema shared by audits, reports, the dashboard and policy gates."""

from audit.result._base import Interval, schema_dataclass
from audit.result._counterfactuals import CounterfactualSection
from audit.result._data_privacy import DataPrivacySection
from audit.result._error_analysis import ErrorAnalysisSection
from audit.result._explainability import ExplainabilitySection
from audit.result._fairness import FairnessSection
from audit.result._io import load_result, result_from_json, result_to_json, save_result
from audit.result._policy import GateResult, PolicyResult
from audit.result._privacy import PrivacySection, PrivacySpend
from audit.result._robustness import RobustnessSection
from audit.result._schema import (
    SCHEMA_VERSION,
    AuditFailure,
    AuditResult,
    ConfusionCounts,
    DataInfo,
    EpochRecord,
    ModelCardInfo,
    ModelInfo,
    ModelQuality,
    RunMetadata,
    SectionRecord,
    TrainingInfo,
)
from audit.result._text import TextSection
from audit.result._text_models import TextModelsSection

__all__ = [
    "SCHEMA_VERSION",
    "AuditFailure",
    "AuditResult",
    "ConfusionCounts",
    "CounterfactualSection",
    "DataPrivacySection",
    "DataInfo",
    "EpochRecord",
    "ErrorAnalysisSection",
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
    "RobustnessSection",
    "RunMetadata",
    "SectionRecord",
    "TextSection",
    "TextModelsSection",
    "TrainingInfo",
    "load_result",
    "result_from_json",
    "result_to_json",
    "save_result",
    "schema_dataclass",
]
