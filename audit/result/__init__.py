"""The versioned result schema shared by audits, reports, the dashboard and policy gates."""

from audit.result._io import load_result, result_from_json, result_to_json, save_result
from audit.result._schema import (
    SCHEMA_VERSION,
    AuditResult,
    ConfusionCounts,
    DataInfo,
    EpochRecord,
    Interval,
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
    "Interval",
    "ModelCardInfo",
    "ModelInfo",
    "ModelQuality",
    "RunMetadata",
    "TrainingInfo",
    "load_result",
    "result_from_json",
    "result_to_json",
    "save_result",
]
