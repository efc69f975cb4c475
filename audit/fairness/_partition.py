"""Fairness over one partition (a sensitive feature or an intersection): the schema objects."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from audit.core import (
    COUNT_METRICS,
    DISPARITIES,
    UNDEFINED_REASONS,
    EncodedGroups,
    GroupCounts,
    binary_array,
    check_lengths,
    disparities_from_metrics,
    encode_groups,
    extremes,
    metrics_from_counts,
    probability_array,
    quantile_interval,
    sensitive_frame,
    wilson_from_counts,
)
from audit.errors import GroupInputError as FairnessInputError
from audit.fairness._config import DisparityThresholds, FairnessAuditConfig
from audit.fairness._disparity_ci import DIFFERENCE_METHOD, RATIO_METHOD, SOURCES, disparity_intervals
from audit.fairness._scores import ScoreMetrics, bootstrap_score_metrics, score_metrics
from audit.result import (
    Disparity,
    GroupMetrics,
    Interval,
    MetricValue,
    PartitionFairness,
    ReliabilityCurve,
    ScoreHistogram,
)

SCORE_METRICS = ("roc_auc", "expected_calibration_error")
SCORE_UNDEFINED = {
    "roc_auc": "needs both actual positives and actual negatives in the group",
    "expected_calibration_error": "empty group (no rows)",
}
NO_SCORES = "no scores were given (pass y_score)"



def _interval(lo: float, hi: float, level: float, method: str) -> Interval:
    return Interval(float(lo), float(hi), level, method)


def _verdict(value: float, interval: Interval | None, limit: float,
             kind: str) -> tuple[str, bool]:
    if math.isnan(value):
        return "undefined", False
    passed = value <= limit if kind == "difference" else value >= limit
    if interval is None or math.isnan(interval.low):
        return ("pass" if passed else "fail"), False
    if kind == "difference":
        conclusive = interval.high <= limit if passed else interval.low > limit
    else:
        conclusive = interval.low >= limit if passed else interval.high < limit
    return ("pass" if passed else "fail"), bool(conclusive)


def constant_prediction(counts: np.ndarray) -> str:
    """Why a partition's decisions cannot show a disparity: the model gives the same decision
    to every row ("" when it does not). Counts are ``(G, 2, 2)`` by (group, y_true, y_pred).

    Equal rates of a constant predictor are 1.0 / 1.0 or 0 / 0 by construction: a ratio of 1
    or a difference of 0 there says nothing about the model's fairness, so every disparity is
    undefined with this reason, never a pass.

    Examples
    --------
    >>> constant_prediction(np.array([[[0, 5], [0, 3]], [[0, 2], [0, 4]]]))
    'the model predicts the positive class for every one of the 14 rows (a constant predictor)'
    """
    counts = np.asarray(counts)
    n = int(counts.sum())
    positive = int(counts[..., 1].sum())
    if n == 0 or 0 < positive < n:
        return ""
    which = "the positive class" if positive == n else "the negative class"
    return f"the model predicts {which} for every one of the {n:,} rows (a constant predictor)"


def build_disparities(metrics: Mapping[str, np.ndarray], names: tuple[str, ...],
                      limits: DisparityThresholds, *, counts: np.ndarray | None = None,
                      level: float = 0.95) -> tuple[Disparity, ...]:
    """Disparity summaries with worst/best group, interval and verdict against ``limits``.

    With ``counts`` (``(G, 2, 2)``), each disparity gets the simultaneous-pairwise interval of
    :func:`~audit.fairness._disparity_ci.disparity_intervals`, and a verdict is conclusive
    only when that interval lies on its side of the limit. A constant predictor
    (:func:`constant_prediction`) makes every disparity undefined with that reason.
    """
    values = disparities_from_metrics(metrics)
    constant = constant_prediction(counts) if counts is not None else ""
    if constant:
        values = {k: float("nan") for k in values}
    bounds = disparity_intervals(counts, level) if counts is not None else None
    out = []
    for name in DISPARITIES:
        sources, kind = SOURCES[name]
        value = float(values[name])
        interval = None
        if bounds is not None:
            lo, hi = bounds[name]
            interval = _interval(lo, hi, level,
                                 DIFFERENCE_METHOD if kind == "difference" else RATIO_METHOD)
        # the component that sets the value names the worst and best groups
        parts = [(src, extremes(metrics[src])) for src in sources]
        scored = [(float(p.difference) if kind == "difference" else -float(p.ratio), src, p)
                  for src, p in parts]
        defined = [t for t in scored if not math.isnan(t[0])]
        excluded = tuple(sorted({names[i] for src in sources
                                 for i in np.flatnonzero(np.isnan(metrics[src]))}))
        reason = ""
        if math.isnan(value):
            worst = best = ""
            missing = [src.replace("_", " ") for _, src, p in scored if int(p.n_defined) < 2]
            reason = constant or (
                f"fewer than two groups where the {' and '.join(missing)} is defined"
                if missing else "undefined: the largest group value is 0")
            interval = None if constant else interval
        else:
            _, _, chosen = max(defined, key=lambda t: t[0])
            worst, best = names[int(chosen.argmin)], names[int(chosen.argmax)]
        limit = float(getattr(limits, name))
        verdict, conclusive = _verdict(value, interval, limit, kind)
        out.append(Disparity(name=name, value=value, interval=interval, worst_group=worst,
                             best_group=best, limit=limit, kind=kind, verdict=verdict,
                             conclusive=conclusive, excluded_groups=excluded,
                             undefined_reason=reason))
    return tuple(out)


def histogram_edges(n_bins: int) -> np.ndarray:
    """Bin edges ``k / n_bins``: each is the double nearest the decimal threshold it stands for.

    ``np.linspace(0, 1, 101)`` computes ``70 * 0.01 = 0.7000000000000001``, so a score of
    exactly 0.7 would fall below the edge of the threshold 0.7; ``70 / 100`` is ``0.7``.

    Examples
    --------
    >>> float(histogram_edges(100)[70]) == 0.7
    True
    """
    return np.arange(n_bins + 1) / n_bins


def score_histogram(y_true: np.ndarray, scores: np.ndarray, codes: np.ndarray, n_groups: int,
                    n_bins: int) -> ScoreHistogram:
    """Rows per (group, label, score bin) on ``n_bins`` equal bins of [0, 1), plus one for 1.0.

    A score ``s`` lands in bin ``b`` when ``edges[b] <= s < edges[b + 1]``, compared with the
    edges themselves, and scores of exactly 1.0 in the extra last bin, so ``s >= edges[k]``
    holds exactly for the rows in bins ``k`` and above, for every edge including 1.0.
    """
    edges = histogram_edges(n_bins)
    keep = codes >= 0
    b = np.searchsorted(edges, scores[keep], side="right") - 1  # 1.0 -> n_bins
    width = n_bins + 1
    key = (codes[keep] * 2 + y_true[keep]) * width + b
    counts = np.bincount(key, minlength=n_groups * 2 * width).reshape(n_groups, 2, width)
    return ScoreHistogram(bin_edges=tuple(float(e) for e in edges),
                          counts=tuple(tuple(tuple(int(v) for v in row) for row in g)
                                       for g in counts))


#: A threshold this close to a bin edge is that edge (a slider's ``0.1 + 0.2``).
EDGE_TOLERANCE = 1e-9


def counts_at_threshold(histogram: ScoreHistogram, thresholds: np.ndarray) -> np.ndarray:
    """Counts ``(G, 2, 2)`` when group ``g`` is predicted positive iff its score >= ``thresholds[g]``.

    Exact: each threshold must be a bin edge (within :data:`EDGE_TOLERANCE`, e.g. any
    two-decimal threshold with 100 bins), and the rows at or above that edge are exactly the
    rows of the bins from it upward.

    Raises
    ------
    FairnessInputError
        A threshold that is not a bin edge (the histogram cannot say which of the rows in
        that bin lie above it).
    """
    edges = np.asarray(histogram.bin_edges)
    t = np.asarray(thresholds, dtype=float)
    k = np.abs(edges[None, :] - t[:, None]).argmin(axis=1)
    off = np.abs(edges[k] - t) > EDGE_TOLERANCE
    if off.any():
        n_bins = len(edges) - 1
        raise FairnessInputError(
            "thresholds", f"thresholds on the score histogram's {n_bins} bin edges "
            f"(multiples of 1/{n_bins})", repr(sorted(set(t[off].tolist()))),
            f"round them to a multiple of 1/{n_bins}, or rerun the audit with a larger "
            "score_histogram_bins")
    h = np.asarray(histogram.counts, dtype=np.int64)  # (G, 2, bins [+ 1 for scores of 1.0])
    above = np.flip(np.cumsum(np.flip(h, axis=-1), axis=-1), axis=-1)  # rows in bins >= b
    if h.shape[-1] < len(edges):  # results before the bin of 1.0: the last bin held it
        above = np.concatenate([above, np.zeros((*h.shape[:-1], 1), dtype=np.int64)], axis=-1)
    positive = np.take_along_axis(above, k[:, None, None].repeat(2, axis=1), axis=-1)[..., 0]
    total = h.sum(axis=-1)
    return np.stack([total - positive, positive], axis=-1)  # [g, y_true, y_pred]


def _metric_value(value: float, reason: str, interval: Interval | None = None,
                  wilson: Interval | None = None, error_bound: float | None = None) -> MetricValue:
    if math.isnan(value):
        return MetricValue(value=float("nan"), interval=interval, wilson=wilson,
                           undefined_reason=reason)
    return MetricValue(value=float(value), interval=interval, wilson=wilson,
                       error_bound=error_bound)


def _custom_metrics(metrics: Mapping[str, Callable[..., Any]], y_true: np.ndarray,
                    y_pred: np.ndarray, enc: EncodedGroups) -> dict[str, np.ndarray]:
    """User metrics ``fn(y_true, y_pred)`` per group, delegated to fairlearn's MetricFrame."""
    from fairlearn.metrics import MetricFrame

    kept = enc.codes >= 0
    labels = {f: np.asarray([g[i] for g in enc.groups], dtype=object)[enc.codes[kept]]
              for i, f in enumerate(enc.features)}
    frame = MetricFrame(metrics=dict(metrics), y_true=y_true[kept], y_pred=y_pred[kept],
                        sensitive_features=pd.DataFrame(labels))
    by_group = frame.by_group
    out = {}
    for name in metrics:
        values = np.full(len(enc.groups), np.nan)
        for i, g in enumerate(enc.groups):
            key = g if len(g) > 1 else g[0]
            if key in by_group.index:
                values[i] = float(by_group.loc[key, name])
        out[name] = values
    return out


def group_fairness(
    y_true: Any,
    y_pred: Any = None,
    *,
    sensitive_features: Any,
    y_score: Any = None,
    config: FairnessAuditConfig | None = None,
    metrics: Mapping[str, Callable[..., Any]] | None = None,
    seed: int = 0,
) -> PartitionFairness:
    """Group metrics, disparities and intervals over one sensitive feature or intersection.

    Count metrics come from counts per (group, y_true, y_pred) cell and equal fairlearn's
    ``MetricFrame``; their intervals are a multinomial bootstrap of the counts plus Wilson
    intervals for proportions. With ``y_score``, ROC AUC, expected calibration error and a
    reliability curve are added per group (row-level bootstrap).

    Parameters
    ----------
    y_true : array-like of 0/1
        True labels (1 = favourable outcome).
    y_pred : array-like of 0/1, optional
        Predictions; defaults to ``y_score >= config.threshold``.
    sensitive_features : DataFrame, Series, mapping or array
        Several columns are audited as their intersection.
    y_score : array-like of float in [0, 1], optional
        Predicted probability of the positive class.
    config : FairnessAuditConfig, optional
        Limits, bootstrap sizes, minimum group size, NaN policy (defaults otherwise).
    metrics : mapping of str to callable, optional
        Extra metrics ``fn(y_true, y_pred)`` (bind other arguments with
        ``functools.partial``), computed per group by ``fairlearn.metrics.MetricFrame``.
    seed : int
        Seed of the bootstraps.

    Returns
    -------
    PartitionFairness

    Raises
    ------
    NotBinaryError, ProbabilityRangeError, LengthMismatchError, SingleGroupError,
    MissingSensitiveValueError, TooManyGroupsError

    Examples
    --------
    >>> pf = group_fairness([1, 0, 1, 0], [1, 0, 0, 0], sensitive_features={"sex": list("FFMM")})
    >>> [g.metrics["selection_rate"].value for g in pf.groups]
    [0.5, 0.0]
    """
    config = config or FairnessAuditConfig()
    y_true = binary_array("y_true", y_true)
    scores = probability_array("y_score", y_score) if y_score is not None else None
    if y_pred is None:
        if scores is None:
            raise FairnessInputError("y_pred", "predictions or scores", "neither",
                                     "pass y_pred (0/1) or y_score (probabilities)")
        y_pred = (scores >= config.threshold).astype(np.int8)
    else:
        y_pred = binary_array("y_pred", y_pred)
    frame = sensitive_frame(sensitive_features)
    check_lengths(y_true=y_true, y_pred=y_pred, y_score=scores, sensitive_features=frame)
    enc = encode_groups(frame, nan_policy=config.nan_policy, max_groups=config.max_groups)
    counts = GroupCounts.from_codes(y_true, y_pred, enc.codes, enc.groups, enc.features,
                                    n_dropped=enc.n_dropped)
    n_groups = len(enc.groups)
    score_vals = score_boot = None
    if scores is not None:
        score_vals = score_metrics(y_true, scores, enc.codes, n_groups, n_bins=config.calibration_bins)
        if config.score_bootstrap_replicates > 0:
            auc_b, ece_b = bootstrap_score_metrics(
                y_true, scores, enc.codes, n_groups, n_bins=config.calibration_bins,
                n_replicates=config.score_bootstrap_replicates, seed=seed + 1)
            score_boot = {"roc_auc": auc_b, "expected_calibration_error": ece_b}
    taken = set(COUNT_METRICS) | set(SCORE_METRICS)
    for name in metrics or {}:
        if name in taken:
            raise FairnessInputError(
                f"metrics[{name!r}]", f"a name other than the built-in metrics {sorted(taken)}",
                repr(name), "rename the metric (the built-in one is computed anyway)")
    custom = _custom_metrics(metrics, y_true, y_pred, enc) if metrics else {}
    histogram = (score_histogram(y_true, scores, enc.codes, n_groups, config.score_histogram_bins)
                 if scores is not None else None)
    return fairness_from_counts(counts, config=config, seed=seed,
                                score_values=score_vals, score_replicates=score_boot,
                                histogram=histogram, custom=custom)


def fairness_from_counts(
    counts: GroupCounts,
    *,
    config: FairnessAuditConfig | None = None,
    seed: int = 0,
    score_values: ScoreMetrics | None = None,
    score_replicates: Mapping[str, np.ndarray] | None = None,
    score_error_bounds: Mapping[str, np.ndarray] | None = None,
    histogram: ScoreHistogram | None = None,
    custom: Mapping[str, np.ndarray] | None = None,
    no_scores_reason: str = NO_SCORES,
) -> PartitionFairness:
    """Group metrics, intervals and disparities of one partition from its cell counts.

    :func:`group_fairness` calls it after counting rows; a prediction log's audit
    (:mod:`audit.predictions`) calls it with counts an engine computed. The same counts and
    seed give the same numbers.

    Parameters
    ----------
    counts : GroupCounts
        Counts per (group, y_true, y_pred) of the partition.
    config : FairnessAuditConfig, optional
    seed : int
        Seed of the count bootstrap.
    score_values : ScoreMetrics, optional
        ROC AUC, ECE and reliability sums per group (in the order of ``counts.groups``).
    score_replicates : mapping, optional
        Bootstrap replicates ``(B, G)`` of ``roc_auc`` and ``expected_calibration_error``.
    score_error_bounds : mapping, optional
        Per score metric, the largest possible error of each group's value (binned scores).
    histogram : ScoreHistogram, optional
        Kept for what-if thresholds.
    custom : mapping, optional
        Extra per-group metric values.
    no_scores_reason : str
        Why score metrics are undefined when ``score_values`` is None.

    Returns
    -------
    PartitionFairness

    Examples
    --------
    >>> c = GroupCounts.from_predictions([1, 0, 1, 0], [1, 0, 0, 0], {"sex": list("FFMM")})
    >>> [g.metrics["selection_rate"].value for g in fairness_from_counts(c).groups]
    [0.5, 0.0]
    """
    config = config or FairnessAuditConfig()
    level = config.confidence_level
    names = counts.names
    values = metrics_from_counts(counts.counts)
    wilson = wilson_from_counts(counts.counts, level)
    boot = None
    if config.bootstrap_replicates > 0:
        rng = np.random.default_rng(seed)
        boot = metrics_from_counts(counts.bootstrap(config.bootstrap_replicates, rng))
    boot_int = {k: quantile_interval(v, level) for k, v in (boot or {}).items()}
    score_int = {k: quantile_interval(v, level) for k, v in (score_replicates or {}).items()}
    bounds = score_error_bounds or {}
    sizes = counts.sizes
    groups = []
    for i, (name, labels) in enumerate(zip(names, counts.groups)):
        row: dict[str, MetricValue] = {}
        for m in COUNT_METRICS:
            interval = (_interval(boot_int[m][0][i], boot_int[m][1][i], level,
                                  "bootstrap percentile") if m in boot_int else None)
            w = (_interval(wilson[m][0][i], wilson[m][1][i], level, "wilson")
                 if m in wilson else None)
            row[m] = _metric_value(values[m][i], undefined_reason(m, int(sizes[i])),
                                   interval, w)
        reliability = None
        for m in SCORE_METRICS:
            if score_values is None:
                row[m] = _metric_value(float("nan"), no_scores_reason)
                continue
            v = getattr(score_values, m)[i]
            interval = (_interval(score_int[m][0][i], score_int[m][1][i], level,
                                  "bootstrap percentile") if m in score_int else None)
            row[m] = _metric_value(v, undefined_reason(m, int(sizes[i])), interval,
                                   error_bound=float(bounds[m][i]) if m in bounds else None)
        if score_values is not None:
            cnt = score_values.bin_count[i]
            nz = cnt > 0
            reliability = ReliabilityCurve(
                bin_edges=tuple(np.linspace(0, 1, score_values.n_bins + 1).tolist()),
                mean_predicted=tuple((score_values.bin_sum_score[i][nz] / cnt[nz]).tolist()),
                fraction_positive=tuple((score_values.bin_sum_y[i][nz] / cnt[nz]).tolist()),
                counts=tuple(int(c) for c in cnt[nz]))
        for m, arr in (custom or {}).items():
            row[m] = _metric_value(arr[i], "the metric returned NaN or failed for this group")
        tn, fp, fn, tp = (int(v) for v in counts.counts[i].ravel())
        groups.append(GroupMetrics(group=name, labels=labels, size=int(sizes[i]),
                                   small=bool(sizes[i] < config.min_group_size),
                                   confusion=(tn, fp, fn, tp), metrics=row,
                                   reliability=reliability))
    disparities = build_disparities(values, names, config.thresholds, counts=counts.counts,
                                    level=level)
    return PartitionFairness(name=counts.name, features=counts.features, groups=tuple(groups),
                             disparities=disparities, histogram=histogram,
                             n_dropped_missing=counts.n_dropped)


def undefined_reason(metric: str, size: int) -> str:
    """Why ``metric`` is undefined for a group of ``size`` rows."""
    if size == 0:
        return "empty group (no rows)"
    return UNDEFINED_REASONS.get(metric) or SCORE_UNDEFINED.get(metric, "undefined")


def what_if_thresholds(partition: PartitionFairness, thresholds: float | Mapping[str, float],
                       limits: DisparityThresholds | None = None) -> PartitionFairness:
    """Recompute count metrics and disparities at other decision thresholds, from the histogram.

    Exact: thresholds must lie on the histogram's bin edges (any two-decimal threshold with
    the default 100 bins), where the counts equal a direct count of ``score >= threshold``.
    Disparities get their simultaneous intervals (they need the counts only); per-group
    metrics get no intervals; score metrics (AUC, ECE) do not depend on the threshold and are
    kept.

    Parameters
    ----------
    partition : PartitionFairness
        A partition computed with scores (it holds a :class:`ScoreHistogram`).
    thresholds : float or mapping of group name to float
        One threshold for all groups, or one per group (missing groups keep 0.5).
    limits : DisparityThresholds, optional

    Returns
    -------
    PartitionFairness

    Raises
    ------
    FairnessInputError
        No histogram in ``partition``, an unknown group name, or a threshold off the bin edges.

    Examples
    --------
    >>> pf = group_fairness([1, 0, 1, 0], y_score=[.9, .4, .6, .2],
    ...                     sensitive_features={"g": list("aabb")})
    >>> low = what_if_thresholds(pf, {"a": 0.5, "b": 0.1})
    >>> [g.metrics["selection_rate"].value for g in low.groups]
    [0.5, 1.0]
    """
    if partition.histogram is None:
        raise FairnessInputError(
            f"partition {partition.name!r}", "a partition computed with y_score",
            "no score histogram", "recompute it with group_fairness(..., y_score=scores)")
    names = tuple(g.group for g in partition.groups)
    if isinstance(thresholds, Mapping):
        unknown = set(thresholds) - set(names)
        if unknown:
            raise FairnessInputError("thresholds", f"group names among {list(names)}",
                                     repr(sorted(unknown)), "use the group names shown")
        t = np.array([float(thresholds.get(n, 0.5)) for n in names])
    else:
        t = np.full(len(names), float(thresholds))
    counts = counts_at_threshold(partition.histogram, t)
    values = metrics_from_counts(counts)
    groups = []
    for i, g in enumerate(partition.groups):
        row = dict(g.metrics)
        for m in COUNT_METRICS:
            row[m] = _metric_value(values[m][i], undefined_reason(m, g.size))
        tn, fp, fn, tp = (int(v) for v in counts[i].ravel())
        groups.append(GroupMetrics(group=g.group, labels=g.labels, size=g.size, small=g.small,
                                   confusion=(tn, fp, fn, tp), metrics=row,
                                   reliability=g.reliability))
    limits = limits or DisparityThresholds()
    level = next((d.interval.level for d in partition.disparities if d.interval), 0.95)
    return PartitionFairness(name=partition.name, features=partition.features,
                             groups=tuple(groups),
                             disparities=build_disparities(values, names, limits,
                                                           counts=counts, level=level),
                             histogram=partition.histogram,
                             n_dropped_missing=partition.n_dropped_missing)
