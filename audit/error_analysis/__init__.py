"""Error analysis: cohorts of the test split where the error rate (or another count metric) is
worst.

Two views on the original features: an exhaustive search over slices (intersections of up to
three features, numbers binned at quantiles) ranked by effect against the rest of the rows with
Benjamini-Hochberg adjusted significance, and a shallow scikit-learn decision tree on the
metric's indicator. Metrics, Wilson intervals and bootstrap intervals reuse the fairness
module's count code.
"""

from audit.error_analysis._audit import (
    audit_errors,
    cohort_frame,
    run_audit,
    section_from_slices,
    training_callbacks,
)
from audit.error_analysis._config import SLICE_METRICS, ErrorAnalysisConfig
from audit.error_analysis._errors import (
    ErrorAnalysisInputError,
    MinSupportTooLargeError,
    UnknownFeatureError,
    UnknownMetricError,
)
from audit.error_analysis._plugin import ErrorAnalysisAudit
from audit.error_analysis._slices import (
    MISSING,
    EncodedFeature,
    SliceCounts,
    check_min_support,
    count_slices,
    encode_feature,
    fmt_number,
)
from audit.error_analysis._stats import (
    check_metric,
    cohort_stats,
    metric_values,
    two_proportion_pvalues,
)
from audit.result import ErrorAnalysisSection

__all__ = [
    "MISSING",
    "SLICE_METRICS",
    "EncodedFeature",
    "ErrorAnalysisAudit",
    "ErrorAnalysisConfig",
    "ErrorAnalysisInputError",
    "ErrorAnalysisSection",
    "MinSupportTooLargeError",
    "SliceCounts",
    "UnknownFeatureError",
    "UnknownMetricError",
    "audit_errors",
    "check_metric",
    "check_min_support",
    "cohort_frame",
    "cohort_stats",
    "count_slices",
    "encode_feature",
    "fmt_number",
    "metric_values",
    "run_audit",
    "section_from_slices",
    "training_callbacks",
    "two_proportion_pvalues",
]
