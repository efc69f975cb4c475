"""The error-analysis section of an :class:`~audit.result.AuditResult`.

Cohorts are subsets of the test split defined on the original (un-encoded) features: slices
(intersections of feature conditions) found by an exhaustive search, and the leaves of a
shallow decision tree fitted to the metric's indicator. Every cohort carries its own
confusion counts, so any count metric can be recomputed from it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from audit.result._base import Interval, schema_dataclass


@schema_dataclass
class Condition:
    """One condition on one original feature, e.g. ``age > 41.5`` or ``sex = Female``."""

    feature: str
    text: str


@schema_dataclass
class Cohort:
    """A cohort, its metric against the rest of the rows, and its significance.

    ``interval`` is a percentile bootstrap (multinomial resampling of the cohort's and the
    rest's cell counts, as in the fairness module); ``wilson`` the Wilson score interval.
    ``p_value`` comes from a two-sided pooled two-proportion z test of the cohort against the
    rest; ``q_value`` is its Benjamini-Hochberg adjusted value over every cohort tested for this
    metric, and ``significant`` means ``q_value <= alpha``. ``metric_rows`` are the cohort's rows
    in the metric's denominator (its actual negatives for a false positive rate).
    """

    conditions: tuple[Condition, ...]
    text: str
    source: Literal["slice", "tree"]
    order: int
    size: int
    share: float
    metric_rows: int
    confusion: tuple[int, int, int, int]
    metric: str
    value: float
    interval: Interval | None
    wilson: Interval | None
    rest_value: float
    difference: float
    difference_interval: Interval | None
    ratio: float
    p_value: float
    q_value: float
    significant: bool
    uses_sensitive: bool


@schema_dataclass
class TreeNode:
    """One node of the error tree; ``condition`` is the split that leads to it from its parent."""

    node_id: int
    parent: int
    depth: int
    condition: str
    size: int
    value: float
    wilson: Interval | None
    is_leaf: bool
    children: tuple[int, ...] = ()


@schema_dataclass
class MetricAnalysis:
    """Slices and error tree for one metric.

    ``cohorts`` are the top slices, best first (largest effect in the searched direction, then
    fewer features, then larger); ``leaves`` the tree's leaves as cohorts, in the same order.
    """

    metric: str
    overall_value: float
    overall_wilson: Interval | None
    n_slices_tested: int
    n_significant: int
    cohorts: tuple[Cohort, ...]
    tree_nodes: tuple[TreeNode, ...]
    leaves: tuple[Cohort, ...]


@schema_dataclass
class ErrorAnalysisSettings:
    """The settings the cohorts were found with."""

    metrics: tuple[str, ...]
    direction: str
    min_support: int
    max_order: int
    n_bins: int
    features: tuple[str, ...]
    sensitive_features: tuple[str, ...]
    include_sensitive: bool
    tree_max_depth: int
    top_k: int
    alpha: float
    confidence_level: float
    bootstrap_replicates: int
    threshold: float
    test: str = "two-sided pooled two-proportion z test, cohort vs rest"
    correction: str = "Benjamini-Hochberg (scipy.stats.false_discovery_control)"


@schema_dataclass
class ErrorAnalysisSection:
    """Cohorts where the model errs most, per metric, on one split.

    ``bins`` gives the bin labels used for each numeric feature.
    """

    split: str
    n_rows: int
    settings: ErrorAnalysisSettings
    analyses: tuple[MetricAnalysis, ...]
    bins: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    reading: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    timings: dict[str, float] = Field(default_factory=dict)
    seed: int = 0

    def analysis(self, metric: str) -> MetricAnalysis | None:
        """The analysis of ``metric`` (None when it was not analysed)."""
        return next((a for a in self.analyses if a.metric == metric), None)
