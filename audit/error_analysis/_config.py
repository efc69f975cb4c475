"""Config of the error analysis (the `audits.error_analysis` block of audit.yaml).

Kept free of heavy imports: `audit.config` imports it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from audit.core import StrictConfig

#: Metrics cohorts can be ranked by: the error rate and every count metric of the fairness
#: module that is a proportion (balanced accuracy is not, so it has no two-proportion test).
SliceMetric = Literal["error_rate", "false_positive_rate", "false_negative_rate", "selection_rate",
                      "true_positive_rate", "precision", "accuracy", "base_rate"]
SLICE_METRICS: tuple[str, ...] = (
    "error_rate", "false_positive_rate", "false_negative_rate", "selection_rate",
    "true_positive_rate", "precision", "accuracy", "base_rate")
Direction = Literal["highest", "lowest"]


class ErrorAnalysisConfig(StrictConfig):
    """Options of the error analysis; ``enabled: false`` skips it.

    Cohorts are searched on the test split's original features: an exhaustive search over
    slices of up to ``max_order`` features (numeric features cut into ``n_bins`` quantile bins)
    and a shallow decision tree on the metric's indicator. Each metric in ``metrics`` is
    analysed; the first is the headline.
    """

    enabled: bool = False
    metrics: list[SliceMetric] = Field(
        default_factory=lambda: ["error_rate", "false_positive_rate", "false_negative_rate"],
        min_length=1, description="metrics to analyse; the first is the headline")
    direction: Direction = Field(
        "highest", description="look for cohorts where the metric is highest (errors) or lowest")
    min_support: int = Field(
        100, ge=1, description="fewest test rows a cohort (slice or tree leaf) may have")
    min_metric_rows: int = Field(
        30, ge=1, description="fewest rows in the metric's denominator (e.g. actual negatives for "
                              "the false positive rate) for a cohort to be tested and ranked")
    max_order: int = Field(2, ge=1, le=3, description="most features intersected in a slice")
    n_bins: int = Field(5, ge=2, le=20, description="quantile bins of a numeric feature")
    features: list[str] | None = Field(
        None, description="original features to search (default: all model features)")
    include_sensitive: bool = Field(
        True, description="whether sensitive features may define cohorts")
    tree_max_depth: int = Field(3, ge=1, le=6)
    top_k: int = Field(50, ge=1, le=1000, description="slice cohorts kept per metric")
    alpha: float = Field(0.05, gt=0.0, lt=1.0,
                         description="false discovery rate of the Benjamini-Hochberg procedure")
    confidence_level: float = Field(0.95, gt=0.5, lt=1.0)
    bootstrap_replicates: int = Field(1000, ge=0)
    threshold: float = Field(0.5, gt=0.0, lt=1.0, description="decision threshold on the score")
