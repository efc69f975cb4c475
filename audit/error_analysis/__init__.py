"""Error analysis: cohorts of the test split where the error rate (or another count metric) is
worst.

Two views on the original features: an exhaustive search over slices (intersections of up to
three features, numbers binned at quantiles) ranked by effect against the rest of the rows with
Benjamini-Hochberg adjusted significance, and a shallow scikit-learn decision tree on the
metric's indicator. Metrics, Wilson intervals and bootstrap intervals reuse the fairness
module's count code.
"""

from audit.error_analysis._audit import audit_errors, cohort_frame, run_audit, training_callbacks
from audit.error_analysis._config import SLICE_METRICS, ErrorAnalysisConfig
from audit.error_analysis._errors import (
    ErrorAnalysisInputError,
    MinSupportTooLargeError,
    UnknownFeatureError,
    UnknownMetricError,
)
from audit.error_analysis._plugin import ErrorAnalysisAudit
from audit.error_analysis._slices import EncodedFeature, SliceCounts, count_slices, encode_feature
from audit.error_analysis._stats import cohort_stats, metric_values, two_proportion_pvalues
from audit.result import ErrorAnalysisSection

__all__ = [
    "ErrorAnalysisAudit",
    "SLICE_METRICS",
    "EncodedFeature",
    "ErrorAnalysisConfig",
    "ErrorAnalysisInputError",
    "ErrorAnalysisSection",
    "MinSupportTooLargeError",
    "SliceCounts",
    "UnknownFeatureError",
    "UnknownMetricError",
    "audit_errors",
    "cohort_frame",
    "cohort_stats",
    "count_slices",
    "encode_feature",
    "metric_values",
    "run_audit",
    "training_callbacks",
    "two_proportion_pvalues",
]
