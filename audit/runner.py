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
from audit.pipelines import Pipeline, fit_settings, library_versions, load_dataset, modality_of, pipeline_for
from audit.quality import model_quality
from audit.result import (
    AuditFailure,
    AuditResult,
    ModelCardInfo,
    ModelInfo,
    RunMetadata,
    SectionRecord,
    TrainingInfo,
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
                                         _config_description(config))])


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


def config_capabilities(config: Any) -> frozenset[str]:
    """What the config's model will give the audits (:data:`audit.models.CAPABILITIES`),
    known without loading anything: a ``predict_proba`` callable gives probabilities and
    per-example losses; a torch model also logits, gradients over the encoded rows unless it
    has its own ``encode``, and a trainer (the run's own ``fit``) unless it is audited as
    given (``weights``)."""
    m = config.model
    if m.predict_proba is not None:
        return frozenset({"proba", "per_example_loss"})
    caps = {"proba", "per_example_loss", "logits", "input_gradients"}
    if m.encode is None:
        caps.add("gradients")
    if m.weights is None:
        caps.add("trainer")
    return frozenset(caps)


def capability_problems(audits: list[tuple[Audit, Any]], capabilities: frozenset[str],
                        description: str) -> list[Problem]:
    """An enabled audit that needs what the model cannot give (typed, with the audit's fix)."""
    from audit.errors import ModelCapabilityError
    from audit.models import CAPABILITIES

    found = []
    for a, cfg in audits:
        missing = frozenset(a.requirements(cfg)) - capabilities
        if missing:
            needs = "; ".join(f"{name} ({CAPABILITIES.get(name, name)})" for name in sorted(missing))
            found.append(Problem(
                ModelCapabilityError, f"audits.{a.slug}", f"a model that gives {needs}",
                f"a {description}, which gives {', '.join(sorted(capabilities)) or 'nothing'}",
                a.capability_fix(missing, cfg)))
    return found


def model_problems(config: Any) -> list[Problem]:
    """Model settings that contradict each other (known without loading anything)."""
    m, found = config.model, []
    if m.predict_proba is not None and m.factory is not None:
        found.append(Problem(ConfigError, "model.predict_proba", "either a predict_proba "
                             "callable or a factory", "both", "keep one of them"))
    if m.predict_proba is not None and m.weights is not None:
        found.append(Problem(ConfigError, "model.weights", "weights with a torch model "
                             "(factory or kind)", "weights with a predict_proba callable",
                             "drop model.weights: the callable is audited as it is"))
    if modality_of(config) == "text" and any(
            v is not None for v in (m.factory, m.predict_proba, m.weights, m.encode)):
        found.append(Problem(ConfigError, "model", "kind lstm, pooling or hf for text data",
                             "factory, weights, encode or predict_proba",
                             "audit your own text model with audit.audit_model or "
                             "audit.models.ModelAdapter.from_huggingface"))
    return found


def _config_description(config: Any) -> str:
    m = config.model
    if m.predict_proba is not None:
        return f"predict_proba callable {m.predict_proba}"
    what = f"torch model from {m.factory}" if m.factory else f"{m.kind} model"
    return what + (" on its own encode()" if m.encode else "") + (
        f" with weights {Path(m.weights).name} (audited as given)" if m.weights else "")


def _adapter_for(config: Any, model: Any, training: Any, pipeline: Pipeline, dataset: Any,
                 ctx: AuditContext) -> Any:
    """The run's :class:`audit.models.ModelAdapter`, bound to the dataset."""
    from audit.models import ModelAdapter, import_object

    m = config.model
    encode = import_object(m.encode, "model.encode") if m.encode else None
    if m.predict_proba is not None:
        return ModelAdapter(import_object(m.predict_proba, "model.predict_proba"), encode=encode,
                            inputs=m.inputs, positive_index=m.positive_index,
                            name=m.predict_proba).bind(dataset)
    trainer = None
    if training is not None and pipeline.modality == "tabular":
        trainer = _fit_trainer(ctx, dataset)
    score_split = None
    if m.factory is None and encode is None and m.positive_index is None:  # its own kinds
        def score_split(split):
            return pipeline.predict(model, split, dataset)
    return ModelAdapter(model, encode=encode, positive_index=m.positive_index, trainer=trainer,
                        score_split=score_split, name=m.factory or m.kind).bind(dataset)


def _fit_trainer(ctx: AuditContext, dataset: Any):
    """``trainer(frame, y, seed)``: a fresh model trained as the run trained its own."""
    def trainer(frame, y, seed):
        import numpy as np
        import torch
        from torch.utils.data import TensorDataset

        from audit.training import fit

        X = frame if isinstance(frame, np.ndarray) else dataset.preprocessor.transform(frame)
        data = TensorDataset(torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y))
        return fit(ctx.build_model(), data, seed=seed, privacy=ctx.privacy, progress=False,
                   **ctx.fit_kwargs).model

    return trainer


def _train_or_load(config: Any, ctx: AuditContext, pipeline: Pipeline, dataset: Any,
                   audits: list[tuple[Audit, Any]], extras: dict[str, Any], out: Path,
                   progress: bool) -> tuple[Any, Any, Path | None]:
    """``(model, training run or None, model folder or None)``: train with ``fit`` and save,
    load saved ``weights`` (no training), or nothing for a ``predict_proba`` callable."""
    from audit.models import EncodedModel, ModelAdapter, import_object, load_weights
    from audit.training import seed_everything

    m = config.model
    if m.predict_proba is not None:
        return None, None, None
    seed_everything(config.seed)
    model = ctx.build_model()
    if m.weights is not None:
        return load_weights(model, m.weights), None, None
    trainable = model
    if pipeline.modality == "tabular" and (m.encode is not None or m.factory is not None):
        # one logit, K classes or its own encode(): train it as two logits over encoded rows
        encode = import_object(m.encode, "model.encode") if m.encode else None
        ctx.adapter = ModelAdapter(model, encode=encode,
                                   positive_index=m.positive_index).bind(dataset)
        trainable = ctx.adapter.module  # the callbacks see what this model can give
    callbacks = [cb for a, cfg in audits if a.phase == "model" for cb in a.callbacks(ctx, cfg)]
    training = pipeline.fit(trainable, dataset, config, callbacks=callbacks, progress=progress,
                            extras=extras)
    trained = training.model.inner if isinstance(training.model, EncodedModel) else training.model
    model_dir = pipeline.save(trained, out / "model", config, dataset, extras)
    return trained, training, model_dir


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

    model, training, model_dir = _train_or_load(config, ctx, pipeline, dataset, audits, extras,
                                                out, progress)
    adapter = _adapter_for(config, model, training, pipeline, dataset, ctx)
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
        model=_model_info(config, adapter, training, model_dir),
        training=_training_info(config, adapter, training),
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


def _model_info(config: Any, adapter: Any, training: Any, model_dir: Path | None) -> ModelInfo:
    if training is not None and config.model.factory is None and config.model.encode is None:
        model = training.model
        return ModelInfo(kind=config.model.kind,
                         n_parameters=sum(p.numel() for p in model.parameters()),
                         architecture=str(model), weights_path=model_dir.name)
    kind = {"torch": "torch", "huggingface": "huggingface", "callable": "predict_proba"}
    return ModelInfo(kind=f"{kind[adapter.kind]} ({adapter.name})",
                     n_parameters=adapter.n_parameters,
                     architecture=(str(adapter.model) if adapter.kind != "callable"
                                   else adapter.description),
                     weights_path=model_dir.name if model_dir is not None else "")


def _training_info(config: Any, adapter: Any, training: Any) -> TrainingInfo:
    tc = config.training
    if training is None:
        device = (str(next(iter(adapter.model.parameters()), torch_cpu()).device)
                  if adapter.kind != "callable" else "n/a")
        return TrainingInfo(
            epochs=0, epochs_completed=0, batch_size=0, optimizer="", learning_rate=0.0,
            device=device, seconds=0.0, private=False, audited_as_given=True,
            note=(f"Trained outside rai-audit and audited as given ({adapter.description}); "
                  "no training by rai-audit, so its training settings and any DP "
                  "guarantee are not known to the audit."))
    return TrainingInfo(
        epochs=tc.epochs, epochs_completed=training.epochs_completed,
        batch_size=tc.batch_size, optimizer=tc.optimizer, learning_rate=tc.learning_rate,
        device=str(next(training.model.parameters()).device), seconds=training.seconds,
        private=training.privacy is not None, stopped_early=training.stopped_early,
        stop_reason=training.stop_reason)


def torch_cpu() -> Any:
    """A CPU tensor (the device of a model without parameters)."""
    import torch

    return torch.zeros(0)


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
