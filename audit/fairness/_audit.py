"""Entry points the config-driven runner calls for the fairness audit, and the section builder."""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from audit.core import partition_name, sensitive_frame
from audit.fairness._config import FairnessAuditConfig
from audit.fairness._partition import group_fairness
from audit.result import FairnessSection, MitigationOutcome, PartitionFairness

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from audit.data import TabularDataset
    from audit.training import Callback

_PRETTY = {
    "demographic_parity_difference": "demographic parity difference",
    "demographic_parity_ratio": "demographic parity ratio",
    "equalized_odds_difference": "equalized odds difference",
    "equalized_odds_ratio": "equalized odds ratio",
    "equal_opportunity_difference": "equal opportunity difference",
    "four_fifths_rule": "four-fifths rule (selection-rate ratio)",
}


def resolve_partitions(available: Sequence[str],
                       config: FairnessAuditConfig) -> list[tuple[str, ...]]:
    """The feature combinations to audit: each feature alone, then each intersection.

    Raises :class:`SensitiveFeatureMissingError` (via :func:`sensitive_frame`) for unknown names.
    """
    features = list(config.sensitive_features or available)
    intersections = (config.intersections if config.intersections is not None
                     else [list(p) for p in itertools.combinations(features, 2)])
    parts = [(f,) for f in features] + [tuple(i) for i in intersections if len(i) > 1]
    seen, out = set(), []
    for p in parts:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def _fmt_interval(d) -> str:
    if d.interval is None or math.isnan(d.interval.low):
        return ""
    return f" (95% CI {d.interval.low:.3f} to {d.interval.high:.3f})"


def plain_reading(partitions: Sequence[PartitionFairness],
                  mitigation: Sequence[MitigationOutcome] = (), *, positive_label: str = "1",
                  min_group_size: int = 30) -> tuple[str, ...]:
    """Plain-language sentences a reviewer can read without the tables.

    Examples
    --------
    >>> pf = group_fairness([1, 0, 1, 0], [1, 0, 0, 0], sensitive_features={"sex": list("FFMM")})
    >>> plain_reading([pf])[0][:40]
    'sex: the model predicts 1 for 50.0% of F'
    """
    lines = []
    for p in partitions:
        sel = {g.group: g.metrics["selection_rate"].value for g in p.groups}
        dp = next(d for d in p.disparities if d.name == "demographic_parity_difference")
        eo = next(d for d in p.disparities if d.name == "equalized_odds_difference")
        if dp.verdict == "undefined" and "constant predictor" in dp.undefined_reason:
            lines.append(f"{p.name}: every disparity is undefined: {dp.undefined_reason}, so "
                         "equal rates say nothing about fairness and no fairness gate can pass.")
        elif dp.verdict != "undefined" and dp.best_group == dp.worst_group:
            lines.append(
                f"{p.name}: the model predicts {positive_label} for the same share of every "
                f"group ({100 * sel[dp.best_group]:.1f}%); demographic parity difference 0.")
        elif dp.verdict != "undefined":
            lines.append(
                f"{p.name}: the model predicts {positive_label} for {100 * sel[dp.best_group]:.1f}%"
                f" of {dp.best_group} but {100 * sel[dp.worst_group]:.1f}% of {dp.worst_group}; "
                f"demographic parity difference {dp.value:.3f}{_fmt_interval(dp)}, "
                f"{'within' if dp.verdict == 'pass' else 'above'} the limit {dp.limit:g}"
                f"{'' if dp.conclusive else ' (the interval crosses the limit: not conclusive)'}.")
        if eo.verdict != "undefined" and eo.best_group != eo.worst_group:
            lines.append(
                f"{p.name}: error rates differ by up to {eo.value:.3f} between groups (equalized "
                f"odds difference{_fmt_interval(eo)}); on the rate that decides it, {eo.worst_group} "
                f"is predicted {positive_label} least often and {eo.best_group} most often.")
        small = [f"{g.group} (n={g.size})" for g in p.groups if g.small]
        if small:
            lines.append(f"{p.name}: {len(small)} group(s) have fewer than {min_group_size} rows, "
                         f"so their numbers are uncertain: {', '.join(small[:6])}"
                         f"{', ...' if len(small) > 6 else ''}.")
        undefined = sorted({f"{g.group}: {m.replace('_', ' ')} ({v.undefined_reason})"
                            for g in p.groups for m, v in g.metrics.items()
                            if v.undefined_reason and "no scores" not in v.undefined_reason})
        if undefined:
            lines.append(f"{p.name}: {len(undefined)} metric(s) are undefined and shown as such, "
                         f"not as 0, e.g. {undefined[0]}.")
    for m in mitigation:
        key = ("equalized_odds_difference" if "equalized_odds" in m.method
               else "demographic_parity_difference")
        b = next(d for d in m.before.disparities if d.name == key).value
        a = next(d for d in m.after.disparities if d.name == key).value
        cost = m.accuracy_before - m.accuracy_after
        collapse = (f"; COLLAPSED below the majority-class accuracy "
                    f"{100 * m.majority_accuracy:.2f}%: not a usable model" if m.collapsed else "")
        lines.append(
            f"Mitigation {m.method} ({m.stage}) for {m.feature}: {_PRETTY[key]} {b:.3f} -> "
            f"{a:.3f}, accuracy {100 * m.accuracy_before:.2f}% -> {100 * m.accuracy_after:.2f}% "
            f"({'cost' if cost >= 0 else 'gain'} {abs(100 * cost):.2f} points{collapse}).")
    return tuple(lines)


def audit_fairness(
    y_true: Any,
    y_score: Any,
    sensitive_features: Any,
    *,
    config: FairnessAuditConfig | None = None,
    metrics: Mapping[str, Callable[..., Any]] | None = None,
    split: str = "test",
    positive_label: str = "1",
    seed: int = 0,
) -> FairnessSection:
    """The fairness section for scores of one split: every feature and intersection.

    Parameters
    ----------
    y_true : array-like of 0/1
    y_score : array-like of float in [0, 1]
        Probability of the favourable outcome; predictions are ``y_score >= config.threshold``.
    sensitive_features : DataFrame or mapping
        One column per sensitive feature.
    config : FairnessAuditConfig, optional
        Features, intersections, limits, bootstrap sizes (defaults: every feature and every
        pair).
    metrics : mapping of str to callable, optional
        Extra per-group metrics ``fn(y_true, y_pred)``, computed by fairlearn's MetricFrame.
    split, positive_label : str
        Shown in the report.
    seed : int

    Returns
    -------
    FairnessSection

    Examples
    --------
    >>> sec = audit_fairness([1, 0, 1, 0, 1, 0], [.9, .2, .4, .3, .8, .6],
    ...                      {"sex": list("FFMMFM"), "race": list("abbaab")},
    ...                      config=FairnessAuditConfig(intersections=[]))
    >>> [p.name for p in sec.partitions]
    ['sex', 'race']
    """
    config = config or FairnessAuditConfig()
    frame = sensitive_frame(sensitive_features)
    timings: dict[str, float] = {}
    partitions = []
    for i, features in enumerate(resolve_partitions(list(frame.columns), config)):
        tick = time.perf_counter()
        partitions.append(group_fairness(
            y_true, y_score=y_score, sensitive_features=sensitive_frame(frame, features),
            config=config, metrics=metrics, seed=seed + 1000 * i))
        timings[partition_name(features)] = time.perf_counter() - tick
    n_rows = len(frame)
    return FairnessSection(
        split=split, n_rows=n_rows, threshold=config.threshold, positive_label=positive_label,
        confidence_level=config.confidence_level,
        bootstrap_replicates=config.bootstrap_replicates,
        score_bootstrap_replicates=config.score_bootstrap_replicates,
        min_group_size=config.min_group_size, seed=seed,
        partitions=tuple(partitions),
        reading=plain_reading(partitions, positive_label=positive_label,
                              min_group_size=config.min_group_size),
        notes=method_notes(config), timings=timings)


def method_notes(config: FairnessAuditConfig) -> tuple[str, ...]:
    """The method notes of a fairness section computed with ``config``."""
    return (
        "Group metrics follow fairlearn's definitions; count metrics are computed from counts "
        "per (group, y_true, y_pred) cell and checked against fairlearn's MetricFrame.",
        f"Group metric intervals: {config.confidence_level:.0%} percentile bootstrap "
        f"({config.bootstrap_replicates} multinomial replicates of the cell counts; "
        f"{config.score_bootstrap_replicates} row-level replicates for ROC AUC and calibration)"
        ", plus Wilson intervals for proportions.",
        f"Disparity intervals ({config.confidence_level:.0%}): an interval for every pair of "
        "groups (Newcombe's hybrid score interval for a difference, the MOVER-R interval for a "
        "ratio, both from Wilson intervals of the two rates), Bonferroni-adjusted over all pairs "
        "(true and false positive rate pairs together for equalized odds), so that all hold at "
        "once; the disparity's interval spans the extremes of the pairwise bounds. It is "
        "conservative, reaches 0 (difference) or 1 (ratio) when the data are consistent with "
        "equal rates, and its coverage is checked by simulation "
        "(benchmarks/bench_disparity_coverage.py: at least 92% in every cell of the grid). A "
        "verdict is conclusive only when this interval lies on one side of the limit.",
        "Disparities compare groups where the metric is defined (fairlearn's between_groups); "
        "worst group = lowest rate of favourable predictions on the deciding metric.",
        "Undefined metrics (e.g. a true positive rate without actual positives) are shown as "
        "undefined with the reason; fairlearn reports 0 for some of them.",
    )


def training_callbacks(dataset: TabularDataset, config: FairnessAuditConfig,
                       seed: int) -> list[Callback]:
    """A :class:`FairnessCallback` on the validation split (when ``track_training``).

    It tracks the same features and intersections as the final audit.

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
    >>> cbs = training_callbacks(ds, FairnessAuditConfig(enabled=True), seed=0)
    >>> [type(cb).__name__ for cb in cbs]
    ['FairnessCallback']
    >>> run = fit(model, ds.train.to_torch(), epochs=5, batch_size=32, learning_rate=0.05,
    ...           callbacks=cbs, progress=False)
    >>> round(run.history[-1].metrics["fairness/demographic_parity_difference[sex]"], 2)
    0.45
    """
    if not config.track_training:
        return []
    from audit.fairness._callback import FairnessCallback

    val = dataset.validation
    features = list(config.sensitive_features or dataset.sensitive_features)
    frame = sensitive_frame(val.sensitive, features)
    partitions = resolve_partitions(features, config)
    return [FairnessCallback(val.X, val.y, frame, partitions=partitions, config=config)]


def run_audit(dataset: TabularDataset, model: torch.nn.Module, config: FairnessAuditConfig,
              seed: int, *, scores: np.ndarray | None = None,
              training_settings: dict | None = None) -> FairnessSection:
    """Audit ``model`` on the test split: groups, intersections, intervals, mitigation.

    ``model`` maps encoded rows to two logits (:attr:`audit.models.ModelAdapter.module`);
    ``scores``, when given, are its P(positive) on the test split (computed once by the run);
    ``training_settings``, the audited model's own ``fit`` keywords when the run trained it
    (mitigation retrains use them).

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
    >>> section = run_audit(ds, model, FairnessAuditConfig(enabled=True), seed=0)
    >>> d = section.partitions[0].disparities[0]
    >>> d.name, round(d.value, 2), d.verdict, d.conclusive
    ('demographic_parity_difference', 0.11, 'fail', False)
    """
    from dataclasses import replace

    from audit.models import predict_proba

    tick = time.perf_counter()
    test = dataset.test
    features = list(config.sensitive_features or dataset.sensitive_features)
    frame = sensitive_frame(test.sensitive, features)
    scores = np.clip(predict_proba(model, test.X) if scores is None else scores, 0.0, 1.0)
    section = audit_fairness(test.y, scores, frame, config=config, split="test",
                             positive_label=dataset.positive_label, seed=seed)
    timings = {**section.timings, "groups_seconds": time.perf_counter() - tick}
    mitigation: tuple[MitigationOutcome, ...] = ()
    mitigation_notes: tuple[str, ...] = ()
    if config.mitigation.enabled and config.mitigation.methods:
        from audit.fairness._mitigation import mitigate

        tick = time.perf_counter()
        mitigation, mitigation_notes = mitigate(dataset, model, config, seed,
                                                training_settings=training_settings)
        timings["mitigation_seconds"] = time.perf_counter() - tick
    reading = plain_reading(section.partitions, mitigation, positive_label=dataset.positive_label,
                            min_group_size=config.min_group_size)
    notes = section.notes
    if mitigation:
        mc = config.mitigation
        retrained = next((m.baseline for m in mitigation if m.stage != "post-processing"), "")
        notes += (("Mitigation retrains are compared with " + retrained + "; "
                   if retrained else "") + f"ExponentiatedGradient runs "
                  f"{mc.exponentiated_gradient_max_iter} iterations; a mitigation less accurate "
                  "than always predicting the majority class is flagged as collapsed.",)
    notes += mitigation_notes
    return replace(section, mitigation=mitigation, reading=reading, notes=notes, timings=timings)
