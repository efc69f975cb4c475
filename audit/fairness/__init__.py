"""Fairness audit: fairlearn's group metrics per group and intersection, with intervals.

Count metrics come from counts per (group, y_true, y_pred) cell (:class:`GroupCounts`,
mergeable across chunks) and equal fairlearn's ``MetricFrame``; a row-level bootstrap is a
multinomial resampling of those counts (the count engine lives in :mod:`audit.core`, shared
with error analysis and robustness, and is re-exported here). Also: score metrics per group
(ROC AUC, calibration), a training callback, mitigation at three stages, and what-if
thresholds. fairlearn itself is imported only when a function needs it.
"""

from audit.core import (
    COUNT_METRICS,
    DISPARITIES,
    GroupCounts,
    bootstrap_counts,
    disparities_from_metrics,
    metrics_from_counts,
    wilson_bounds,
)
from audit.errors import GroupInputError as FairnessInputError
from audit.errors import (
    LengthMismatchError,
    MissingSensitiveValueError,
    NotBinaryError,
    ProbabilityRangeError,
    SensitiveFeatureMissingError,
    SingleGroupError,
    TooManyGroupsError,
)
from audit.fairness._audit import (
    audit_fairness,
    method_notes,
    plain_reading,
    resolve_partitions,
    run_audit,
    training_callbacks,
)
from audit.fairness._callback import (
    TRACKED_DISPARITIES,
    TRACKED_METRICS,
    FairnessCallback,
    scalar_name,
    tracked_frame,
)
from audit.fairness._chunked import count_parquet, count_record_batches
from audit.fairness._config import DisparityThresholds, FairnessAuditConfig, MitigationConfig
from audit.fairness._mitigation import TorchClassifier, reweighing_weights, run_mitigations
from audit.fairness._partition import (
    fairness_from_counts,
    group_fairness,
    histogram_edges,
    what_if_thresholds,
)
from audit.fairness._plugin import FairnessAudit
from audit.fairness._scores import ScoreMetrics, bootstrap_score_metrics, score_metrics
from audit.result import FairnessSection

__all__ = [
    "COUNT_METRICS",
    "DISPARITIES",
    "TRACKED_DISPARITIES",
    "TRACKED_METRICS",
    "DisparityThresholds",
    "FairnessAudit",
    "FairnessAuditConfig",
    "FairnessCallback",
    "FairnessInputError",
    "FairnessSection",
    "GroupCounts",
    "LengthMismatchError",
    "MissingSensitiveValueError",
    "MitigationConfig",
    "NotBinaryError",
    "ProbabilityRangeError",
    "ScoreMetrics",
    "SensitiveFeatureMissingError",
    "SingleGroupError",
    "TooManyGroupsError",
    "TorchClassifier",
    "audit_fairness",
    "bootstrap_counts",
    "bootstrap_score_metrics",
    "count_parquet",
    "count_record_batches",
    "disparities_from_metrics",
    "fairness_from_counts",
    "group_fairness",
    "histogram_edges",
    "method_notes",
    "metrics_from_counts",
    "plain_reading",
    "resolve_partitions",
    "reweighing_weights",
    "resolve_partitions",
    "run_audit",
    "run_mitigations",
    "scalar_name",
    "score_metrics",
    "tracked_frame",
    "training_callbacks",
    "what_if_thresholds",
    "wilson_bounds",
]
