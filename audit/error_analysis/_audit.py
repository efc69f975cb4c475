"""Error analysis: the cohorts of the test split where a metric is worst, and the runner hooks."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from audit.core import bh_qvalues, binary_array, check_lengths, wilson_bounds
from audit.error_analysis._config import ErrorAnalysisConfig
from audit.error_analysis._errors import ErrorAnalysisInputError
from audit.error_analysis._slices import (
    SliceCounts,
    check_features,
    check_min_support,
    count_slices,
    encode_feature,
)
from audit.error_analysis._stats import (
    CohortStats,
    bootstrap_intervals,
    check_metric,
    cohort_stats,
    metric_parts,
    metric_values,
    rank,
)
from audit.error_analysis._tree import FittedTree, fit_error_tree, node_counts
from audit.result import (
    Cohort,
    Condition,
    ErrorAnalysisSection,
    ErrorAnalysisSettings,
    Interval,
    MetricAnalysis,
    TreeNode,
)

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from audit.data import TabularDataset
    from audit.training import Callback

_PRETTY = {"error_rate": "error rate", "false_positive_rate": "false positive rate",
           "false_negative_rate": "false negative rate", "selection_rate": "selection rate",
           "true_positive_rate": "true positive rate", "precision": "precision",
           "accuracy": "accuracy", "base_rate": "base rate"}


def pretty_metric(metric: str) -> str:
    """``"false_positive_rate"`` -> ``"false positive rate"``."""
    return _PRETTY.get(metric, metric.replace("_", " "))


def _interval(low: float, high: float, level: float, method: str) -> Interval | None:
    if np.isnan(low) or np.isnan(high):
        return None
    return Interval(low=float(low), high=float(high), level=level, method=method)


def _cohorts(conditions: Sequence[list[tuple[str, str]]], source: str, counts: np.ndarray,
             total: np.ndarray, stats: CohortStats, q: np.ndarray, idx: np.ndarray,
             metric: str, config: ErrorAnalysisConfig, sensitive: set[str],
             seed: int) -> tuple[Cohort, ...]:
    """Cohort records for the rows ``idx`` of ``stats`` (``conditions`` aligned with ``idx``)."""
    level = config.confidence_level
    boot = bootstrap_intervals(counts[idx], total, metric, config.bootstrap_replicates,
                               seed=seed, level=level)
    n_rows = int(total.sum())
    out = []
    for k, (i, conds) in enumerate(zip(idx, conditions)):
        tn, fp, fn, tp = (int(v) for v in counts[i].ravel())
        size = int(stats.size[i])
        out.append(Cohort(
            conditions=tuple(Condition(feature=f, text=t) for f, t in conds),
            text=" and ".join(t for _, t in conds) or "all rows",
            source=source, order=len(conds), size=size, share=size / n_rows,
            metric_rows=int(stats.metric_rows[i]),
            confusion=(tn, fp, fn, tp), metric=metric, value=float(stats.value[i]),
            interval=_interval(boot[k, 0], boot[k, 1], level, "bootstrap percentile"),
            wilson=_interval(stats.wilson_low[i], stats.wilson_high[i], level, "wilson"),
            rest_value=float(stats.rest_value[i]), difference=float(stats.difference[i]),
            difference_interval=_interval(boot[k, 2], boot[k, 3], level, "bootstrap percentile"),
            ratio=float(stats.ratio[i]), p_value=float(stats.p_value[i]), q_value=float(q[i]),
            significant=bool(q[i] <= config.alpha),
            uses_sensitive=any(f in sensitive for f, _ in conds)))
    return tuple(out)


def _slice_analysis(slices: SliceCounts, metric: str, config: ErrorAnalysisConfig,
                    sensitive: set[str], seed: int) -> tuple[tuple[Cohort, ...], int, int]:
    stats = cohort_stats(slices.counts, slices.total, metric, config.confidence_level,
                         config.min_metric_rows)
    q = bh_qvalues(stats.p_value)
    idx = rank(stats, slices.order, config.direction)[:config.top_k]
    cohorts = _cohorts([slices.conditions(i) for i in idx], "slice", slices.counts,
                       slices.total, stats, q, idx, metric, config, sensitive, seed)
    n_tested = int((~np.isnan(stats.p_value)).sum())
    return cohorts, n_tested, int((q <= config.alpha).sum())


def _tree_analysis(frame: pd.DataFrame, y_true: np.ndarray, y_pred: np.ndarray, metric: str,
                   config: ErrorAnalysisConfig, sensitive: set[str],
                   seed: int) -> tuple[tuple[TreeNode, ...], tuple[Cohort, ...]]:
    row_counts = np.zeros((len(y_true), 2, 2), dtype=np.int64)
    row_counts[np.arange(len(y_true)), y_true, y_pred] = 1
    numerator, denominator = metric_parts(row_counts, metric)
    tree: FittedTree = fit_error_tree(
        frame, numerator.astype(int), denominator > 0, max_depth=config.tree_max_depth,
        min_samples_leaf=config.min_support, seed=seed)
    counts = node_counts(tree, y_true, y_pred)
    values = metric_values(counts, metric)
    lo, hi = wilson_bounds(*metric_parts(counts, metric), config.confidence_level)
    nodes = tuple(TreeNode(
        node_id=i, parent=int(tree.parent[i]), depth=int(tree.depth[i]), condition=tree.edge[i],
        size=int(counts[i].sum()), value=float(values[i]),
        wilson=_interval(lo[i], hi[i], config.confidence_level, "wilson"),
        is_leaf=not tree.children[i], children=tree.children[i]) for i in range(len(counts)))
    leaves = np.asarray(tree.leaves)
    total = counts[0]
    stats = cohort_stats(counts[leaves], total, metric, config.confidence_level,
                         config.min_metric_rows)
    q = bh_qvalues(stats.p_value)
    idx = rank(stats, np.array([len(tree.paths[n]) for n in leaves]), config.direction)
    undefined = np.setdiff1d(np.arange(len(leaves)), idx)  # e.g. the single root of no split
    idx = np.concatenate([idx, undefined]).astype(np.intp)
    cohorts = _cohorts([tree.definition(int(leaves[i])) for i in idx], "tree", counts[leaves],
                       total, stats, q, idx, metric, config, sensitive, seed + 1)
    return nodes, cohorts


def _reading(analyses: Sequence[MetricAnalysis], config: ErrorAnalysisConfig) -> tuple[str, ...]:
    lines = []
    for a in analyses:
        name = pretty_metric(a.metric)
        line = f"Overall {name} {a.overall_value:.1%}."
        if a.cohorts:
            c = a.cohorts[0]
            ci = (f" ({c.interval.level:.0%} CI {c.interval.low:.1%} to {c.interval.high:.1%})"
                  if c.interval else "")
            line += (f" The cohort where it is {config.direction} is '{c.text}' ({c.size:,} rows, "
                     f"{c.share:.1%} of the split): {c.value:.1%}{ci} against {c.rest_value:.1%} "
                     f"for the other rows, q = {c.q_value:.2g}.")
        line += (f" {a.n_significant:,} of {a.n_slices_tested:,} slices differ from the rest at a "
                 f"false discovery rate of {config.alpha:g}.")
        lines.append(line)
    return tuple(lines)


def _notes(config: ErrorAnalysisConfig, bins: dict[str, tuple[str, ...]], *,
           tree: bool = True) -> tuple[str, ...]:
    notes = [
        f"Slices: every value of up to {config.max_order} original features intersected, with at "
        f"least {config.min_support:,} rows; numeric features with more than {config.n_bins} values "
        f"are cut at their quantiles into at most {config.n_bins} bins "
        f"({', '.join(bins) or 'none here'}).",
        "Significance: a two-sided pooled two-proportion z test of each cohort against the other "
        "rows, Benjamini-Hochberg adjusted over every slice tested for that metric (q values). "
        "The search picks the most extreme cohorts, so their effects are optimistic; read the "
        "q value and the interval, and confirm on fresh data.",
        f"Intervals: {config.confidence_level:.0%} percentile bootstrap ({config.bootstrap_replicates}"
        " multinomial replicates of the cohort's and the rest's cell counts, the fairness module's "
        "bootstrap), plus Wilson intervals.",
    ]
    if tree:
        notes.append(
            f"Error tree: scikit-learn decision tree of depth at most {config.tree_max_depth} fitted "
            "on the rows in the metric's denominator to predict its numerator (categories one-hot), "
            f"with at least {config.min_support:,} rows per leaf.")
    if not config.include_sensitive:
        notes.append("Sensitive features were left out of the cohort definitions.")
    return tuple(notes)


def audit_errors(
    y_true: Any,
    y_pred: Any,
    features: pd.DataFrame,
    *,
    config: ErrorAnalysisConfig | None = None,
    metrics: Sequence[str] | None = None,
    sensitive_features: Sequence[str] = (),
    split: str = "test",
    seed: int = 0,
) -> ErrorAnalysisSection:
    """Find the cohorts where each metric is worst: slice search and error tree.

    Parameters
    ----------
    y_true, y_pred : array-like of 0/1
    features : pandas.DataFrame
        The original (un-encoded) features of the same rows.
    config : ErrorAnalysisConfig, optional
        Metrics, minimum support, slice order, bins, tree depth, bootstrap (defaults otherwise).
    metrics : sequence of str, optional
        Overrides ``config.metrics``.
    sensitive_features : sequence of str
        Columns of ``features`` that are sensitive: marked on cohorts, and left out when
        ``config.include_sensitive`` is false.
    split : str
    seed : int

    Returns
    -------
    ErrorAnalysisSection

    Raises
    ------
    UnknownMetricError, UnknownFeatureError, MinSupportTooLargeError, NotBinaryError,
    LengthMismatchError

    Examples
    --------
    >>> frame = pd.DataFrame({"g": list("aabb") * 25, "x": range(100)})
    >>> y = np.zeros(100, dtype=int)
    >>> pred = (frame["g"] == "b").astype(int).to_numpy()
    >>> sec = audit_errors(y, pred, frame, config=ErrorAnalysisConfig(min_support=10))
    >>> sec.analyses[0].cohorts[0].text, sec.analyses[0].cohorts[0].value
    ('g = b', 1.0)
    """
    config = config or ErrorAnalysisConfig()
    chosen = [check_metric(m) for m in (metrics if metrics is not None else config.metrics)]
    if not chosen:
        raise ErrorAnalysisInputError("metrics", "at least one metric", "none",
                                      "name a metric, e.g. ['error_rate']")
    y_true = binary_array("y_true", y_true).astype(np.intp)
    y_pred = binary_array("y_pred", y_pred).astype(np.intp)
    frame = pd.DataFrame(features).reset_index(drop=True)
    check_lengths(y_true=y_true, y_pred=y_pred, features=frame)
    names = check_features(frame, config.features)
    sensitive = {str(s) for s in sensitive_features}
    if not config.include_sensitive:
        names = [n for n in names if n not in sensitive]
    if not names:
        raise ErrorAnalysisInputError(
            "features", "at least one feature to define cohorts", "none left",
            "name features, or set include_sensitive: true when only sensitive ones remain")
    check_min_support(config.min_support, len(y_true))
    timings: dict[str, float] = {}
    tick = time.perf_counter()
    encoded = [encode_feature(frame[n], config.n_bins) for n in names]
    slices = count_slices(encoded, y_true, y_pred, max_order=config.max_order,
                          min_support=config.min_support)
    timings["slice_count_seconds"] = time.perf_counter() - tick
    bins = {e.name: e.labels for e, n in zip(encoded, names)
            if pd.api.types.is_numeric_dtype(frame[n]) and any("<" in c for c in e.conditions)}

    def tree(metric: str, seed: int) -> tuple[tuple[TreeNode, ...], tuple[Cohort, ...]]:
        return _tree_analysis(frame[names], y_true, y_pred, metric, config, sensitive, seed)

    return section_from_slices(slices, config=config, metrics=chosen, features=names,
                               sensitive_features=sensitive, bins=bins, split=split,
                               seed=seed, tree=tree, timings=timings)


def section_from_slices(
    slices: SliceCounts,
    *,
    config: ErrorAnalysisConfig,
    metrics: Sequence[str],
    features: Sequence[str],
    sensitive_features: Sequence[str] = (),
    bins: dict[str, tuple[str, ...]] | None = None,
    split: str = "test",
    seed: int = 0,
    tree: Callable[[str, int], tuple[tuple[TreeNode, ...], tuple[Cohort, ...]]] | None = None,
    timings: dict[str, float] | None = None,
    extra_notes: Sequence[str] = (),
) -> ErrorAnalysisSection:
    """The error-analysis section from slice counts (however they were counted).

    :func:`audit_errors` counts slices from rows and fits the error tree; a prediction log's
    audit passes counts from engine group-bys and no tree (``tree=None``: no tree cohorts).

    Parameters
    ----------
    slices : SliceCounts
    config : ErrorAnalysisConfig
    metrics : sequence of str
        Checked metric names; the first is the headline.
    features : sequence of str
        The features searched.
    sensitive_features : sequence of str
    bins : dict, optional
        Bin labels of each binned numeric feature.
    tree : callable, optional
        ``tree(metric, seed) -> (nodes, leaf cohorts)``.
    extra_notes : sequence of str
        Added to the method notes.

    Returns
    -------
    ErrorAnalysisSection
    """
    sensitive = {str(s) for s in sensitive_features}
    bins = dict(bins or {})
    timings = dict(timings or {})
    analyses = []
    total = slices.total
    for k, metric in enumerate(metrics):
        tick = time.perf_counter()
        cohorts, n_tested, n_significant = _slice_analysis(
            slices, metric, config, sensitive, seed + 1000 * k)
        timings[f"{metric}_slices_seconds"] = time.perf_counter() - tick
        nodes: tuple[TreeNode, ...] = ()
        leaves: tuple[Cohort, ...] = ()
        if tree is not None:
            tick = time.perf_counter()
            nodes, leaves = tree(metric, seed + 1000 * k + 500)
            timings[f"{metric}_tree_seconds"] = time.perf_counter() - tick
        lo, hi = wilson_bounds(*metric_parts(total, metric), config.confidence_level)
        analyses.append(MetricAnalysis(
            metric=metric, overall_value=float(metric_values(total[None], metric)[0]),
            overall_wilson=_interval(lo, hi, config.confidence_level, "wilson"),
            n_slices_tested=n_tested, n_significant=n_significant, cohorts=cohorts,
            tree_nodes=nodes, leaves=leaves))
    settings = ErrorAnalysisSettings(
        metrics=tuple(metrics), direction=config.direction, min_support=config.min_support,
        max_order=config.max_order, n_bins=config.n_bins, features=tuple(features),
        sensitive_features=tuple(sorted(sensitive)), include_sensitive=config.include_sensitive,
        tree_max_depth=config.tree_max_depth, top_k=config.top_k, alpha=config.alpha,
        confidence_level=config.confidence_level,
        bootstrap_replicates=config.bootstrap_replicates, threshold=config.threshold)
    notes = _notes(config, bins, tree=tree is not None) + tuple(extra_notes)
    return ErrorAnalysisSection(
        split=split, n_rows=int(total.sum()), settings=settings, analyses=tuple(analyses),
        bins=bins, reading=_reading(analyses, config), notes=notes, timings=timings,
        seed=seed)


def cohort_frame(dataset: TabularDataset, include_sensitive: bool = True) -> pd.DataFrame:
    """The test split's original features, plus the sensitive groups the model does not see."""
    test = dataset.test
    frame = test.raw.copy()
    if include_sensitive:
        for name in dataset.sensitive_features:
            if name not in frame.columns:
                frame[name] = test.sensitive[name].to_numpy()
    return frame


def training_callbacks(dataset: TabularDataset, config: ErrorAnalysisConfig,
                       seed: int) -> list[Callback]:
    """None: the error analysis looks at the final model only."""
    return []


def run_audit(dataset: TabularDataset, model: torch.nn.Module, config: ErrorAnalysisConfig,
              seed: int, *, scores: np.ndarray | None = None) -> ErrorAnalysisSection:
    """Error analysis of ``model`` on the test split's original features (``scores``, when
    given: its P(positive) on the test split, computed once by the run).

    Examples
    --------
    >>> import torch
    >>> from audit.data import build_tabular_dataset, example_people
    >>> from audit.training import fit
    >>> people = example_people()
    >>> ds = build_tabular_dataset(people[:400], people[400:], target="income",
    ...                            sensitive_features=["sex"])
    >>> _ = torch.manual_seed(0)
    >>> model = torch.nn.Sequential(torch.nn.Linear(ds.n_features, 8), torch.nn.ReLU(),
    ...                             torch.nn.Linear(8, 2))
    >>> _ = fit(model, ds.train.to_torch(), epochs=5, batch_size=32, learning_rate=0.05,
    ...         progress=False)
    >>> section = run_audit(ds, model, ErrorAnalysisConfig(enabled=True), seed=0)
    >>> a = section.analyses[0]
    >>> a.metric, round(a.overall_value, 3), a.cohorts[0].text, round(a.cohorts[0].value, 3)
    ('error_rate', 0.165, 'sex = Male', 0.168)
    """
    from audit.models import predict_proba

    tick = time.perf_counter()
    test = dataset.test
    scores = predict_proba(model, test.X) if scores is None else scores
    y_pred = (scores >= config.threshold).astype(np.int64)
    section = audit_errors(test.y, y_pred, cohort_frame(dataset, config.include_sensitive),
                           config=config, sensitive_features=dataset.sensitive_features,
                           split="test", seed=seed)
    from dataclasses import replace

    return replace(section, timings={**section.timings,
                                     "total_seconds": time.perf_counter() - tick})
