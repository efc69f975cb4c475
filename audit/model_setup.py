"""How a run gets its model, and what the model can give the audits.

The runner (:mod:`audit.runner`) trains a registered kind or the user's own factory with
``fit``, loads saved weights (audited as given), or takes a ``predict_proba`` callable; this
module does each, builds the run's :class:`audit.models.ModelAdapter`, states the model's
capabilities from the config alone (so that an audit the model cannot serve is refused before
anything is loaded), and describes the model and its training for the result.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit.core import Audit, AuditContext
from audit.errors import ConfigError, Problem
from audit.result import ModelInfo, TrainingInfo

if TYPE_CHECKING:  # pragma: no cover
    from audit.pipelines import Pipeline

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
    if config.data.loader == "text" and any(
            v is not None for v in (m.factory, m.predict_proba, m.weights, m.encode)):
        found.append(Problem(ConfigError, "model", "kind lstm, pooling or hf for text data",
                             "factory, weights, encode or predict_proba",
                             "audit your own text model with audit.audit_model or "
                             "audit.models.ModelAdapter.from_huggingface"))
    return found


def config_description(config: Any) -> str:
    """The configured model in words (for refusals)."""
    m = config.model
    if m.predict_proba is not None:
        return f"predict_proba callable {m.predict_proba}"
    what = f"torch model from {m.factory}" if m.factory else f"{m.kind} model"
    return what + (" on its own encode()" if m.encode else "") + (
        f" with weights {Path(m.weights).name} (audited as given)" if m.weights else "")


def adapter_for(config: Any, model: Any, training: Any, pipeline: Pipeline, dataset: Any,
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
        trainer = fit_trainer(ctx, dataset)
    score_split = None
    if m.factory is None and encode is None and m.positive_index is None:  # its own kinds
        def score_split(split):
            return pipeline.predict(model, split, dataset)
    return ModelAdapter(model, encode=encode, positive_index=m.positive_index, trainer=trainer,
                        score_split=score_split, name=m.factory or m.kind).bind(dataset)


def fit_trainer(ctx: AuditContext, dataset: Any):
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


def train_or_load(config: Any, ctx: AuditContext, pipeline: Pipeline, dataset: Any,
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


def model_info(config: Any, adapter: Any, training: Any, model_dir: Path | None) -> ModelInfo:
    """The model half of the result's metadata (a trained kind as before; an adapted model
    by its adapter)."""
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


def training_info(config: Any, adapter: Any, training: Any) -> TrainingInfo:
    """How the model was trained; for a model trained elsewhere, that it was audited as given."""
    tc = config.training
    if training is None:
        device = (str(next(iter(adapter.model.parameters()), _cpu_tensor()).device)
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


def _cpu_tensor() -> Any:
    """An empty CPU tensor (the device of a model without parameters)."""
    import torch

    return torch.zeros(0)


__all__ = ["adapter_for", "capability_problems", "config_capabilities", "config_description",
           "fit_trainer", "model_info", "model_problems", "train_or_load", "training_info"]
