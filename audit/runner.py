"""Config-driven audit runs: one runner for every modality and every registered audit.

load -> (data-phase audits) -> build and train the model with every audit's callbacks ->
quality -> each enabled model-phase audit's ``run`` (cheap ones first) -> one
:class:`AuditResult`. Audits come from the registry (:mod:`audit.core`); the modality-specific
steps from a :class:`audit.pipelines.Pipeline`. An audit that fails is recorded as failed with
its reason and the others still run; an enabled audit that cannot run on the data's modality is
refused before anything is loaded.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import audit
from audit._preflight import check_before_training
from audit.core import Audit, AuditContext, registered_audits, run_order
from audit.errors import ConfigError, Problem, RaiAuditError, raise_problems
from audit.model_setup import (
    adapter_for,
    capability_problems,
    config_capabilities,
    config_description,
    model_info,
    model_problems,
    train_or_load,
    training_info,
)
from audit.pipelines import Pipeline, fit_settings, library_versions, load_dataset, modality_of, pipeline_for
from audit.quality import model_quality
from audit.result import (
    AuditFailure,
    AuditResult,
    ModelCardInfo,
    RunMetadata,
    SectionRecord,
)

_LOG = logging.getLogger("audit.runner")


@dataclass(frozen=True)
class AuditRun:
    """An audit's result plus the live objects an API user may want to keep using."""

    result: AuditResult
    dataset: Any
    training: Any
    model_dir: Path


def enabled_audits(config: Any) -> list[tuple[Audit, Any]]:
    """``(audit, its config)`` for every registered audit the config enables, in run order."""
    return run_order([(a, getattr(config.audits, a.slug)) for a in registered_audits()
                      if getattr(config.audits, a.slug).enabled])


def modality_problems(config: Any) -> list[Problem]:
    """An enabled audit that cannot run on the config's data (known without loading it)."""
    modality = modality_of(config)
    return [Problem(ConfigError, f"audits.{a.slug}.enabled",
                    f"an audit that runs on {modality} data ({a.title} supports: "
                    f"{', '.join(a.modalities)})", "true",
                    f"set audits.{a.slug}.enabled: false, or audit {'/'.join(a.modalities)} data")
            for a, _ in enabled_audits(config) if modality not in a.modalities]


def check_config(config: Any) -> None:
    """Refuse a config whose enabled audits cannot run on its data or need what its model
    cannot give (``rai-audit validate``), before anything is loaded.

    Raises
    ------
    ConfigError
        Listing every such audit with the modalities it supports, and model settings that
        contradict each other.
    ModelCapabilityError
        An enabled audit needs gradients, a trainer, ... that the configured model lacks.
    """
    audits = enabled_audits(config)
    raise_problems([*modality_problems(config), *model_problems(config),
                    *capability_problems(audits, config_capabilities(config),
                                         config_description(config))])


def _failure(exc: BaseException) -> AuditFailure:
    return AuditFailure(error_type=type(exc).__name__, message=str(exc) or repr(exc),
                        input_error=isinstance(exc, RaiAuditError))


def run_section(audit_: Audit, ctx: AuditContext, config: Any) -> SectionRecord:
    """Run one audit; a failure becomes a ``failed`` record instead of an exception."""
    tick = time.perf_counter()
    try:
        section = audit_.run(ctx, config)
    except Exception as exc:  # one audit's failure must not lose the others
        _LOG.warning("audit %r failed", audit_.slug, exc_info=True)
        return SectionRecord(status="failed", seconds=time.perf_counter() - tick, seed=ctx.seed,
                             failure=_failure(exc))
    return SectionRecord(status="ok", seconds=time.perf_counter() - tick, seed=ctx.seed,
                         section=section)


def _context(config: Any, pipeline: Pipeline, dataset: Any, extras: dict[str, Any],
             out: Path, progress: bool) -> AuditContext:
    def build():
        return pipeline.build(config, dataset, extras)

    return AuditContext(
        modality=pipeline.modality, seed=config.seed, dataset=dataset, config=config,
        build_model=build, fit_kwargs=fit_settings(config), privacy=config.training.privacy,
        output_dir=out, extras={**extras, "progress": progress})


def run_audit(config: Any, *, output_dir: str | Path | None = None,
              progress: bool = True) -> AuditRun:
    """Run the audit described by ``config``: load, train (or load the model's weights, or
    take its ``predict_proba`` callable), audit, judge its policy gates, save the model.

    The model is saved under ``output_dir/model`` when the run trains it; writing
    ``result.json`` and the report is left to the caller (``rai-audit run`` does both,
    atomically; :func:`audit.write_outputs` from Python).

    Returns
    -------
    AuditRun

    Raises
    ------
    ConfigError
        Before anything is loaded, when an enabled audit cannot run on the data's modality or
        needs what the model cannot give (:class:`audit.errors.ModelCapabilityError`); after
        loading and before training, for every problem an audit finds in its inputs.
    """
    check_config(config)
    pipeline = pipeline_for(config)
    out = Path(output_dir if output_dir is not None else config.output_dir)
    timings: dict[str, float] = {}
    tick = time.perf_counter()
    dataset, extras = pipeline.load(config)
    timings["data_seconds"] = time.perf_counter() - tick
    ctx = _context(config, pipeline, dataset, extras, out, progress)
    audits = enabled_audits(config)
    raise_problems(p for a, cfg in audits for p in a.problems(ctx, cfg))
    warnings = check_before_training(config, dataset)  # a doomed run fails here, in seconds

    records: dict[str, SectionRecord] = {}
    for a, cfg in audits:  # on the data alone, before any training
        if a.phase == "data":
            records[a.slug] = run_section(a, ctx, cfg)

    model, training, model_dir = train_or_load(config, ctx, pipeline, dataset, audits, extras,
                                               out, progress)
    adapter = adapter_for(config, model, training, pipeline, dataset, ctx)
    if training is not None:
        timings["training_seconds"] = training.seconds
        ctx.predict = lambda split: pipeline.predict(training.model, split, dataset)
    if model is not None and training is None:
        ctx.build_model = None  # audited as given: no retrains of another training
    ctx.model, ctx.training, ctx.adapter = model, training, adapter
    if training is None:
        adapter.check(dataset.test.raw)
    return AuditRun(result=audit_phase(ctx, audits, records, timings, pipeline,
                                       model_dir=model_dir, warnings=warnings),
                    dataset=dataset, training=training, model_dir=model_dir)


def audit_phase(ctx: AuditContext, audits: list[tuple[Audit, Any]],
                records: dict[str, SectionRecord], timings: dict[str, float], pipeline: Pipeline,
                *, model_dir: Path | None = None,
                warnings: tuple[str, ...] = ()) -> AuditResult:
    """Quality, every model-phase audit (cheap ones first), free sections, the metadata and
    the policy verdict: the part of a run after the model exists (trained by the run or given
    by :func:`audit.audit_model`)."""
    config, dataset, training, adapter = ctx.config, ctx.dataset, ctx.training, ctx.adapter
    tick = time.perf_counter()
    quality = (model_quality(dataset.test.y, ctx.test_scores(), split="test")
               if config.audits.quality else None)
    timings["quality_seconds"] = time.perf_counter() - tick
    if quality is not None and quality.degenerate:
        warnings = (*warnings, f"model quality: {quality.degenerate}; its group "
                               "disparities are undefined and no gate on them can pass")
    for a, cfg in audits:
        if a.phase == "model":
            records[a.slug] = run_section(a, ctx, cfg)
    for a in registered_audits():
        if a.slug not in records:
            free = a.free_section(ctx)
            if free is not None:
                records[a.slug] = SectionRecord(status="ok", seed=config.seed, section=free)
    for slug, record in records.items():
        if not math.isnan(record.seconds):
            timings[f"{slug}_seconds"] = record.seconds

    metadata = RunMetadata(
        run_name=config.name,
        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        seed=config.seed, rai_audit_version=audit.__version__,
        library_versions=pipeline.versions(), data=pipeline.data_info(dataset),
        model=model_info(config, adapter, training, model_dir),
        training=training_info(config, adapter, training),
        card=ModelCardInfo(**config.card.model_dump()),
        timings=timings,
        warnings=warnings,
    )
    order = [a.slug for a in registered_audits()]
    result = AuditResult(metadata=metadata, quality=quality,
                         history=training.history if training is not None else (),
                         sections={s: records[s] for s in order if s in records})
    if config.policy.gates:
        from audit.policy import evaluate_policy

        result = replace(result, policy=evaluate_policy(result, config.policy))
    return result


def headline(result: AuditResult) -> list[str]:
    """Short lines with the numbers a person wants first (printed by the CLI): the run, model
    quality, each audit's own headline (:meth:`audit.core.Audit.headline`), failed audits and
    the training time."""
    lines = [f"run {result.metadata.run_name!r}: {result.metadata.data.name}, "
             f"{result.metadata.data.n_train} train / {result.metadata.data.n_test} test rows"]
    q = result.quality
    if q is not None:
        lines.append(f"test accuracy {q.accuracy:.4f} (95% CI {q.accuracy_interval.low:.4f}-"
                     f"{q.accuracy_interval.high:.4f}), ROC AUC {q.roc_auc:.4f}, "
                     f"balanced accuracy {q.balanced_accuracy:.4f}")
    for a in registered_audits():
        record = result.record(a.slug)
        if record is None:
            continue
        if record.status == "failed" and record.failure is not None:
            lines.append(f"{a.slug}: FAILED ({record.failure.error_type}): "
                         f"{record.failure.message.splitlines()[0]}")
        else:
            lines.extend(a.headline(record.section))
    t = result.metadata.training
    lines.append("model trained elsewhere, audited as given" if t.audited_as_given else
                 f"training {t.seconds:.1f} s on {t.device}, {t.epochs_completed} epochs")
    return lines


__all__ = ["AuditRun", "audit_phase", "capability_problems", "check_config",
           "config_capabilities", "enabled_audits", "headline", "library_versions",
           "load_dataset", "modality_problems", "model_problems", "run_audit", "run_section"]
