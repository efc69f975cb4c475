"""The prediction-log audit: fairness (overall and per window), error-analysis slices, score
metrics and the data-privacy scan of a log, assembled into one :class:`AuditResult`."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

import numpy as np

import audit
from audit.core import metrics_from_counts, wilson_bounds
from audit.fairness import fairness_from_counts, method_notes, plain_reading, resolve_partitions
from audit.predictions._config import PredictionAuditConfig
from audit.predictions._counts import Cells, count_cells, partition_counts
from audit.predictions._engines import PredictionLog, open_log, quiet
from audit.predictions._histograms import (
    binned_auc,
    bootstrap_histograms,
    coarse_histogram,
    histograms,
    score_metrics_from_histograms,
)
from audit.predictions._spec import LogSpec, LogSummary, summarise, value_text
from audit.predictions._windows import daily_cells, fairness_windows
from audit.result import (
    AuditResult,
    ConfusionCounts,
    DataInfo,
    FairnessSection,
    Interval,
    ModelCardInfo,
    ModelInfo,
    ModelQuality,
    PartitionFairness,
    PredictionLogInfo,
    RunMetadata,
    SectionRecord,
    TrainingInfo,
    WindowFairness,
)

_KEYWORDS = ("label", "score", "prediction", "sensitive_features", "favourable_label",
             "threshold", "intersections", "features", "timestamp", "window",
             "quasi_identifiers", "seed")


def _spec(config: PredictionAuditConfig) -> LogSpec:
    return LogSpec(
        label=config.label, favourable_label=value_text(config.favourable_label),
        sensitive_features=tuple(config.sensitive_features), score=config.score,
        prediction=config.prediction, threshold=config.threshold,
        features=tuple(config.features), timestamp=config.timestamp,
        window=config.effective_window, quasi_identifiers=tuple(config.quasi_identifiers),
        privacy_sensitive=(config.data_privacy.sensitive or config.label)
        if config.quasi_identifiers else None)


def _score_partition(cells: Cells, codes: np.ndarray, n_groups: int, config: PredictionAuditConfig,
                     seed: int) -> dict[str, Any]:
    """Score metrics, replicates, error bounds and the what-if histogram of one partition."""
    fc = config.fairness
    h, s = histograms(codes, cells.y, cells.bin, cells.n, cells.score_sum, n_groups,
                      cells.n_bins)
    values, bound = score_metrics_from_histograms(h, s, fc.calibration_bins)
    replicates = None
    if fc.score_bootstrap_replicates > 0:
        auc_b, ece_b = bootstrap_histograms(h, s, fc.calibration_bins,
                                            fc.score_bootstrap_replicates, seed=seed)
        replicates = {"roc_auc": auc_b, "expected_calibration_error": ece_b}
    return {"score_values": values, "score_replicates": replicates,
            "score_error_bounds": {"roc_auc": bound},
            "histogram": coarse_histogram(h, fc.score_histogram_bins)}


def log_fairness(cells: Cells, partitions: Sequence[tuple[str, ...]],
                 config: PredictionAuditConfig) -> list[PartitionFairness]:
    """Every partition of the whole log from the fairness cells (same seeds as
    :func:`audit.fairness.audit_fairness`, so equal counts give equal intervals)."""
    fc = config.fairness_config()
    out = []
    for i, features in enumerate(partitions):
        counted = partition_counts(cells, features, nan_policy=fc.nan_policy,
                                   max_groups=fc.max_groups)
        seed = config.seed + 1000 * i
        extra = (_score_partition(cells, counted.codes, len(counted.counts.groups), config,
                                  seed + 1) if cells.bin is not None else {})
        out.append(fairness_from_counts(counted.counts, config=fc, seed=seed, **extra))
    return out


def trend_reading(windows: Sequence[WindowFairness], window: str) -> tuple[str, ...]:
    """Sentences on the demographic parity difference over time, per single feature."""
    if not windows:
        return ()
    lines = []
    for j, p in enumerate(windows[-1].partitions):
        if len(p.features) != 1:
            continue
        series = [next(d for d in w.partitions[j].disparities
                       if d.name == "demographic_parity_difference") for w in windows]
        defined = [d.value for d in series if not math.isnan(d.value)]
        last = series[-1]
        if not defined:
            continue
        ci = (f" [{last.interval.low:.3f}, {last.interval.high:.3f}]"
              if last.interval is not None and not math.isnan(last.interval.low) else "")
        latest = ("undefined" if math.isnan(last.value) else
                  f"{last.value:.3f}{ci}, {last.verdict}"
                  f"{'' if last.conclusive else ' (not conclusive)'}")
        lines.append(f"{p.name} over time ({len(windows)} {window}s): demographic parity "
                     f"difference between {min(defined):.3f} and {max(defined):.3f}; latest "
                     f"{window} {windows[-1].window} ({windows[-1].n_rows:,} rows): {latest}.")
    return tuple(lines)


def _log_notes(config: PredictionAuditConfig, log: PredictionLog, spec: LogSpec) -> tuple[str, ...]:
    notes = [f"Counts per (group, label, decision) were computed by {log.engine} in the log's "
             "engine; only counts tables reached the driver "
             f"({log.rows_collected:,} rows in {len(log.queries)} aggregates)."]
    if spec.score is not None:
        notes.append(
            f"ROC AUC per group comes from a {config.score_bins}-bin score histogram: pairs in "
            "one bin count as ties, so each value is within the error bound shown (±) of the "
            "exact AUC; calibration (ECE, reliability) uses exact score sums per bin. Their "
            "intervals are a Poisson bootstrap of the histogram's cells.")
    else:
        notes.append("The log holds decisions, not scores: no ROC AUC, calibration or what-if "
                     "thresholds.")
    return tuple(notes)


def _quality(cells: Cells, summary: LogSummary, threshold: float, log_loss: float) -> ModelQuality:
    total = np.bincount(cells.y * 2 + cells.pred, weights=cells.n, minlength=4)
    counts = np.rint(total).astype(np.int64).reshape(1, 2, 2)
    m = {k: float(v[0]) for k, v in metrics_from_counts(counts).items()}
    tn, fp, fn, tp = (int(v) for v in counts.ravel())
    n = tn + fp + fn + tp
    lo, hi = wilson_bounds(np.array([tn + tp]), np.array([n]))
    auc = float("nan")
    if cells.bin is not None:
        h = np.zeros((1, 2, cells.n_bins + 1), dtype=np.float64)
        np.add.at(h, (0, cells.y, cells.bin), cells.n)
        auc = float(binned_auc(h)[0][0])
    precision, recall = m["precision"], m["true_positive_rate"]
    f1 = (2 * precision * recall / (precision + recall)
          if precision + recall > 0 else float("nan"))
    return ModelQuality(
        split="test", n=n, threshold=threshold, accuracy=m["accuracy"],
        accuracy_interval=Interval(float(lo[0]), float(hi[0]), 0.95, "wilson"),
        balanced_accuracy=m["balanced_accuracy"], precision=precision, recall=recall, f1=f1,
        roc_auc=auc, log_loss=log_loss, positive_rate=m["selection_rate"],
        base_rate=summary.base_rate, confusion=ConfusionCounts(tn=tn, fp=fp, fn=fn, tp=tp))


def _error_analysis(log: PredictionLog, spec: LogSpec, config: PredictionAuditConfig):
    from audit.error_analysis import check_metric, check_min_support, section_from_slices
    from audit.predictions._slices import JOINT_LIMIT, count_log_slices, encode_features, joint_slices

    ea = config.error_analysis.model_copy(update={"threshold": config.threshold})
    names = list(ea.features or config.features)
    if ea.include_sensitive:
        names += [s for s in spec.sensitive_features if s not in names]
    if not ea.enabled or not names:
        return None
    log.check_columns({f"error_analysis feature {i + 1}": n for i, n in enumerate(names)})
    metrics = [check_metric(m) for m in ea.metrics]
    tick = time.perf_counter()
    joint = joint_slices(log, spec, names, n_bins=ea.n_bins, max_order=ea.max_order,
                         min_support=ea.min_support,
                         limit=min(JOINT_LIMIT, config.max_counts_rows))
    if joint is not None:
        codes, slices = joint
    else:  # too many joint values: code in the engine, then count the cube
        codes = encode_features(log, names, n_bins=ea.n_bins)
        slices = count_log_slices(log, spec, codes, max_order=ea.max_order,
                                  min_support=ea.min_support, limit=config.max_counts_rows)
    check_min_support(ea.min_support, int(slices.total.sum()))
    bins = {c.encoded.name: c.encoded.labels for c in codes if c.binned}
    notes = ["Slice counts were computed in the log's engine: "
             + ("one group-by over every feature's values, the label and the decision"
                if joint is not None else
                "each feature's levels, then one group-by over their codes")
             + "; the error tree needs the rows and is not fitted on a log."]
    inexact = [c.encoded.name for c in codes if not c.exact]
    if inexact:
        notes.append(f"Bin edges of {', '.join(inexact)} (too many distinct values to count) come "
                     f"from a fine grid and are within one grid cell of the exact quantiles.")
    return section_from_slices(slices, config=ea, metrics=metrics, features=names,
                               sensitive_features=spec.sensitive_features, bins=bins,
                               split="prediction log", seed=config.seed, tree=None,
                               timings={"slice_count_seconds": time.perf_counter() - tick},
                               extra_notes=notes)


def run_prediction_audit(table: Any, config: PredictionAuditConfig, *,
                         spark: Any = None) -> AuditResult:
    """The whole audit of ``table`` as ``config`` says (see :func:`audit_predictions`)."""
    timings: dict[str, float] = {}
    tick = time.perf_counter()
    spec = _spec(config)
    source = config.log
    if table is None:
        table = _read_configured(config, spark)
    roles = [*spec.roles().values(), *(config.error_analysis.features or [])]
    columns = list(dict.fromkeys(c for c in roles if c is not None))
    log = open_log(table, engine=source.resolved_engine, fmt=source.format, columns=columns,
                   spark=spark)
    summary = summarise(log, spec)
    timings["check_seconds"] = time.perf_counter() - tick

    tick = time.perf_counter()
    fc = config.fairness_config()
    partitions = resolve_partitions(list(spec.sensitive_features), fc)
    cells = count_cells(log, spec, {f: _col(f) for f in spec.sensitive_features},
                        name="fairness counts", limit=config.max_counts_rows,
                        n_bins=config.score_bins)
    results = log_fairness(cells, partitions, config) if fc.enabled else []
    windows: tuple[WindowFairness, ...] = ()
    if spec.window is not None and fc.enabled:
        daily = daily_cells(log, spec, limit=config.max_counts_rows)
        windows = fairness_windows(daily, spec, partitions, fc, config.seed)
    timings["fairness_seconds"] = time.perf_counter() - tick  # counts are shared with quality

    tick = time.perf_counter()
    error_analysis = _error_analysis(log, spec, config)
    if error_analysis is not None:
        timings["error_analysis_seconds"] = time.perf_counter() - tick
    data_privacy = None
    if spec.quasi_identifiers:
        from audit.predictions._privacy import log_anonymity, privacy_section

        tick = time.perf_counter()
        dp = config.data_privacy
        anonymity = log_anonymity(log, spec.quasi_identifiers, sensitive=spec.privacy_sensitive,
                                  k_target=dp.k_target, l_target=dp.l_target,
                                  n_smallest=dp.n_smallest, limit=config.max_counts_rows)
        data_privacy = privacy_section(log, anonymity, len(log.columns))
        timings["data_privacy_seconds"] = time.perf_counter() - tick
    threshold = spec.threshold if spec.score is not None else float("nan")
    quality = _quality(cells, summary, threshold, summary.log_loss)

    fairness = None
    positive = str(config.favourable_label)
    if fc.enabled:
        fairness = FairnessSection(
            split="prediction log", n_rows=summary.n_rows, threshold=threshold,
            positive_label=positive, confidence_level=fc.confidence_level,
            bootstrap_replicates=fc.bootstrap_replicates,
            score_bootstrap_replicates=fc.score_bootstrap_replicates if spec.score else 0,
            min_group_size=fc.min_group_size, seed=config.seed, partitions=tuple(results),
            reading=plain_reading(results, positive_label=positive,
                                  min_group_size=fc.min_group_size)
            + trend_reading(windows, spec.window or ""),
            notes=method_notes(fc) + _log_notes(config, log, spec), timings=timings,
            window=(spec.window or "") if windows else "", windows=windows)
    metadata = _metadata(config, spec, log, summary, timings)
    records = {slug: SectionRecord(status="ok", seconds=timings.get(f"{slug}_seconds", math.nan),
                                   seed=config.seed, section=section)
               for slug, section in (("data_privacy", data_privacy), ("fairness", fairness),
                                     ("error_analysis", error_analysis)) if section is not None}
    result = AuditResult(metadata=metadata, quality=quality, sections=records)
    if config.policy.gates:
        from dataclasses import replace

        from audit.policy import evaluate_policy

        result = replace(result, policy=evaluate_policy(result, config.policy))
    return result


def _col(name: str):
    import narwhals as nw

    return nw.col(name)


def _read_configured(config: PredictionAuditConfig, spark: Any) -> Any:
    """The configured log as its engine's table (a path, or a Spark catalog table)."""
    from audit.predictions._engines import read_native, spark_session
    from audit.predictions._errors import LogConfigError

    source = config.log
    engine = source.resolved_engine
    if engine == "pyspark" and spark is None:
        spark = spark_session(source.spark_master, source.spark_conf)
    if engine == "dask" and source.dask_scheduler:
        from distributed import Client

        Client(source.dask_scheduler)  # becomes the default scheduler of every compute
    if source.table is not None:
        with quiet():
            return spark.table(source.table)
    if source.path is None:
        raise LogConfigError("log", "a path or a table to read", "neither",
                             "add log.path: predictions.parquet (or log.table for Spark)")
    return read_native(source.path, engine=engine, fmt=source.format, spark=spark)


def _iso(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _metadata(config: PredictionAuditConfig, spec: LogSpec, log: PredictionLog,
              summary: LogSummary, timings: dict[str, float]) -> RunMetadata:
    import importlib.metadata
    import platform

    # the libraries whose numbers this audit relies on (torch is not imported: a small driver)
    versions = {"python": platform.python_version()}
    for name in ("fairlearn", "scikit-learn", "numpy", "pandas", "narwhals", "pyarrow",
                 "polars", "dask", "pyspark"):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    kind = "scores" if spec.score else "decisions"
    info = PredictionLogInfo(
        engine=log.engine, source=log.source, n_rows=summary.n_rows, label=spec.label,
        favourable_label=str(config.favourable_label), score=spec.score or "",
        prediction=spec.prediction or "",
        threshold=spec.threshold if spec.score else float("nan"),
        sensitive_features=spec.sensitive_features, features=tuple(config.features),
        quasi_identifiers=spec.quasi_identifiers, timestamp=spec.timestamp or "",
        window=spec.window or "", first_timestamp=_iso(summary.first_timestamp),
        last_timestamp=_iso(summary.last_timestamp), rows_collected=log.rows_collected,
        queries=tuple(log.queries))
    data = DataInfo(
        name=config.name, source=log.source, citation="", license="", target=spec.label,
        positive_label=str(config.favourable_label), sensitive_features=spec.sensitive_features,
        features=tuple(config.features), n_encoded_features=0, n_train=0, n_validation=0,
        n_test=summary.n_rows, base_rate_train=float("nan"), base_rate_test=summary.base_rate)
    model = ModelInfo(kind="prediction log", n_parameters=0,
                      architecture=f"{kind} read from column {spec.score or spec.prediction!r} "
                                   f"of the log ({log.engine})")
    training = TrainingInfo(epochs=0, epochs_completed=0, batch_size=0, optimizer="",
                            learning_rate=0.0, device=log.engine, seconds=0.0)
    return RunMetadata(
        run_name=config.name, created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        seed=config.seed, rai_audit_version=audit.__version__, library_versions=versions,
        data=data, model=model, training=training,
        card=ModelCardInfo(**config.card.model_dump()), timings=timings, log=info)


def audit_predictions(
    table: Any = None,
    *,
    label: str | None = None,
    score: str | None = None,
    prediction: str | None = None,
    sensitive_features: Sequence[str] | None = None,
    favourable_label: str | int | bool | None = None,
    threshold: float | None = None,
    intersections: Sequence[Sequence[str]] | None = None,
    features: Sequence[str] | None = None,
    timestamp: str | None = None,
    window: str | None = None,
    quasi_identifiers: Sequence[str] | None = None,
    seed: int | None = None,
    config: PredictionAuditConfig | dict | None = None,
    spark: Any = None,
) -> AuditResult:
    """Audit a log of predictions where it lives: fairness, slices, score metrics, privacy.

    Parameters
    ----------
    table : DataFrame or path, optional
        A pandas, Polars or pyarrow table, a Dask or PySpark DataFrame (used in place), or a
        parquet/CSV path (read by ``config.log.engine``, default Polars). None: read
        ``config.log``.
    label : str
        Column of true outcomes (two values).
    score, prediction : str
        Exactly one: the probability of the favourable label, or the decision (in the label's
        values).
    sensitive_features : sequence of str
        Columns of the groups; each alone and every pair are audited unless ``intersections``
        says otherwise.
    favourable_label : str, int or bool
        The label value that is the favourable outcome (default 1).
    threshold : float
        Decision threshold on ``score`` (default 0.5).
    intersections : sequence of sequence of str, optional
    features : sequence of str, optional
        Columns defining error-analysis slices (with the sensitive features).
    timestamp : str, optional
        Prediction times: fairness per ``window`` too, with gates on the latest.
    window : {"day", "week", "month"}, optional
        Default ``"week"`` with a timestamp.
    quasi_identifiers : sequence of str, optional
        Columns for k-anonymity and l-diversity (of ``config.data_privacy.sensitive``, default
        the label).
    seed : int
    config : PredictionAuditConfig or dict, optional
        Every other option (bootstrap sizes, limits, score bins, policy gates); keywords given
        here override its fields.
    spark : SparkSession, optional
        Session reading a path or table with the pyspark engine.

    Returns
    -------
    AuditResult
        ``metadata.log`` describes the log and every aggregate collected.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"y": [1, 0, 1, 0] * 50, "p": [.9, .4, .3, .2] * 50,
    ...                     "sex": list("FFMM") * 50})
    >>> r = audit_predictions(log, label="y", score="p", sensitive_features=["sex"])
    >>> r.fairness.partitions[0].disparities[0].value
    0.5
    """
    given = {k: v for k, v in locals().items() if k in _KEYWORDS and v is not None}
    for key in ("sensitive_features", "features", "quasi_identifiers"):
        if key in given:
            given[key] = list(given[key])
    if "intersections" in given:
        given["intersections"] = [list(i) for i in given["intersections"]]
    if isinstance(config, PredictionAuditConfig):
        data = config.model_dump(exclude_unset=True)
    else:
        data = dict(config or {})
    data.update(given)
    from audit.predictions._config import parse_prediction_config

    resolved = parse_prediction_config(data, source="audit_predictions")
    with quiet():
        return run_prediction_audit(table, resolved, spark=spark)


__all__ = ["audit_predictions", "log_fairness", "run_prediction_audit", "trend_reading"]
