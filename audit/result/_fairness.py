"""The fairness section of an :class:`~audit.result.AuditResult`.

Conventions: the positive label (1) is the favourable outcome. An undefined metric (e.g. a true
positive rate for a group without positives) is ``NaN`` *and* carries a reason; it is never
shown as 0 and never dropped.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from audit.result._base import Interval, schema_dataclass


@schema_dataclass
class MetricValue:
    """One metric of one group: the value, its intervals, or why it is undefined.

    Attributes
    ----------
    value : float
        NaN when undefined.
    interval : Interval or None
        Percentile bootstrap interval (None when no bootstrap was run).
    wilson : Interval or None
        Wilson score interval, for metrics that are proportions.
    undefined_reason : str
        Empty when the value is defined.
    error_bound : float or None
        For a value computed from binned scores (a prediction log's score histogram): the
        largest possible difference from the value computed on the rows themselves. None when
        the value is exact.
    """

    value: float
    interval: Interval | None = None
    wilson: Interval | None = None
    undefined_reason: str = ""
    error_bound: float | None = None


@schema_dataclass
class ReliabilityCurve:
    """Calibration of one group: per score bin, the mean score and the observed positive rate."""

    bin_edges: tuple[float, ...]
    mean_predicted: tuple[float, ...]
    fraction_positive: tuple[float, ...]
    counts: tuple[int, ...]


@schema_dataclass
class GroupMetrics:
    """Every metric of one group (or one intersection of groups).

    Attributes
    ----------
    group : str
        Display name, e.g. ``"Female"`` or ``"Female & Black"``.
    labels : tuple of str
        The group's value for each feature of the partition.
    size : int
        Rows in the group.
    small : bool
        True when ``size`` is below the configured minimum group size.
    confusion : tuple of int
        ``(tn, fp, fn, tp)`` at the decision threshold.
    metrics : dict of str to MetricValue
        Keys: ``selection_rate``, ``true_positive_rate``, ``false_positive_rate``,
        ``false_negative_rate``, ``precision``, ``accuracy``, ``balanced_accuracy``,
        ``base_rate``, ``roc_auc``, ``expected_calibration_error`` and user metrics.
    reliability : ReliabilityCurve or None
    """

    group: str
    labels: tuple[str, ...]
    size: int
    small: bool
    confusion: tuple[int, int, int, int]
    metrics: dict[str, MetricValue]
    reliability: ReliabilityCurve | None = None


@schema_dataclass
class Disparity:
    """One disparity summary over the groups of a partition, with its verdict.

    Attributes
    ----------
    name : str
        e.g. ``demographic_parity_difference``, ``four_fifths_rule``.
    value : float
        NaN when undefined (fewer than two groups where the metric is defined).
    interval : Interval or None
        Simultaneous interval from pairwise Newcombe (difference) or MOVER-R (ratio)
        intervals, Bonferroni over the group pairs (:mod:`audit.fairness._disparity_ci`).
    worst_group, best_group : str
        The groups with the lowest and highest rate of favourable decisions on the metric that
        sets the value.
    limit : float
        The configured threshold.
    kind : {"difference", "ratio"}
        A difference passes when ``value <= limit``, a ratio when ``value >= limit``.
    verdict : {"pass", "fail", "undefined"}
    conclusive : bool
        True when the whole interval lies on the verdict's side of the limit.
    excluded_groups : tuple of str
        Groups left out because the underlying metric is undefined for them.
    undefined_reason : str
    """

    name: str
    value: float
    interval: Interval | None
    worst_group: str
    best_group: str
    limit: float
    kind: Literal["difference", "ratio"]
    verdict: Literal["pass", "fail", "undefined"]
    conclusive: bool
    excluded_groups: tuple[str, ...] = ()
    undefined_reason: str = ""


@schema_dataclass
class ScoreHistogram:
    """Rows per (group, true label, score bin), for exact what-if thresholds on ``bin_edges``.

    ``counts[g][y][b]`` counts rows of group ``g`` with label ``y`` whose score ``s`` satisfies
    ``bin_edges[b] <= s < bin_edges[b + 1]``; the last entry (``b = len(bin_edges) - 1``)
    counts scores of exactly 1.0 (results written before it had one entry fewer, the last bin
    including 1.0). The edges are ``k / n_bins``, the doubles of the decimal thresholds.
    """

    bin_edges: tuple[float, ...]
    counts: tuple[tuple[tuple[int, ...], ...], ...]


@schema_dataclass
class PartitionFairness:
    """Fairness over one sensitive feature or one intersection of features.

    Attributes
    ----------
    name : str
        ``"sex"`` or ``"sex x race"``.
    features : tuple of str
    groups : tuple of GroupMetrics
    disparities : tuple of Disparity
    histogram : ScoreHistogram or None
    n_dropped_missing : int
        Rows dropped under ``nan_policy='drop'``.
    """

    name: str
    features: tuple[str, ...]
    groups: tuple[GroupMetrics, ...]
    disparities: tuple[Disparity, ...]
    histogram: ScoreHistogram | None = None
    n_dropped_missing: int = 0


@schema_dataclass
class MitigationOutcome:
    """One mitigation tried, compared on the test split with its baseline.

    Attributes
    ----------
    method : str
        e.g. ``reweighing``, ``threshold_optimizer[equalized_odds]``.
    stage : {"pre-processing", "in-processing", "post-processing"}
    baseline : str
        What "before" is: the audited model, or an unmitigated retrain with the same budget.
    settings : dict of str to str
    before, after : PartitionFairness
        Group metrics and disparities for the mitigated feature.
    accuracy_before, accuracy_after : float
        Overall test accuracy.
    seconds : float
    note : str
    majority_accuracy : float
        Test accuracy of always predicting the training split's majority class (NaN when not
        measured); a mitigation below it has :attr:`collapsed`.
    """

    method: str
    stage: Literal["pre-processing", "in-processing", "post-processing"]
    feature: str
    baseline: str
    settings: dict[str, str]
    before: PartitionFairness
    after: PartitionFairness
    accuracy_before: float
    accuracy_after: float
    seconds: float
    note: str = ""
    majority_accuracy: float = float("nan")

    @property
    def accuracy_cost(self) -> float:
        """Accuracy lost by mitigating (negative when accuracy improved)."""
        return self.accuracy_before - self.accuracy_after

    @property
    def collapsed(self) -> bool:
        """Whether the mitigated model is less accurate than always predicting the majority
        class (not a usable model, whatever its disparity)."""
        return bool(self.accuracy_after < self.majority_accuracy)


@schema_dataclass
class WindowFairness:
    """Fairness over one time window of a prediction log (count metrics only).

    Attributes
    ----------
    window : str
        Its label: ``2024-03-04`` (day), ``2024-W10`` (ISO week, from Monday), ``2024-03`` (month).
    start, end : str
        ISO dates; the window holds rows with ``start <= timestamp < end``.
    n_rows : int
    partitions : tuple of PartitionFairness
        The same features and intersections as the whole-log audit, with intervals and verdicts.
    """

    window: str
    start: str
    end: str
    n_rows: int
    partitions: tuple[PartitionFairness, ...]


@schema_dataclass
class FairnessSection:
    """Results of the fairness audit (filled in by :mod:`audit.fairness`).

    Attributes
    ----------
    split : str
        The split audited (``test``).
    n_rows : int
    threshold : float
        Decision threshold on the score of the positive class.
    positive_label : str
        The favourable outcome (encoded as 1).
    confidence_level : float
    bootstrap_replicates, score_bootstrap_replicates : int
    min_group_size : int
    partitions : tuple of PartitionFairness
        One per sensitive feature, then one per intersection.
    mitigation : tuple of MitigationOutcome
    reading : tuple of str
        Plain-language sentences summarising the result.
    notes : tuple of str
    window : str
        ``day``, ``week`` or ``month`` when fairness was also measured per time window.
    windows : tuple of WindowFairness
        One per window with rows, oldest first (the last is the latest window).
    """

    split: str = "test"
    n_rows: int = 0
    threshold: float = 0.5
    positive_label: str = "1"
    confidence_level: float = 0.95
    bootstrap_replicates: int = 0
    score_bootstrap_replicates: int = 0
    min_group_size: int = 30
    seed: int = 0
    partitions: tuple[PartitionFairness, ...] = ()
    mitigation: tuple[MitigationOutcome, ...] = ()
    reading: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    timings: dict[str, float] = Field(default_factory=dict)
    window: str = ""
    windows: tuple[WindowFairness, ...] = ()
