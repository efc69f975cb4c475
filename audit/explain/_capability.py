"""The explainability audit on models that give no gradients over the encoded rows (a
``predict_proba`` callable, a torch model with its own encoding): captum's perturbation methods
(feature ablation, Shapley value sampling, KernelShap), which need only a forward pass."""

from __future__ import annotations

from typing import Any

from audit.explain._config import ALL_METHODS, GRADIENT_METHODS, ExplainabilityAuditConfig

#: Methods that need only a forward pass, in the audit's order.
PERTURBATION_METHODS = tuple(m for m in ALL_METHODS if m not in GRADIENT_METHODS)


def _asked_for_gradients(config: ExplainabilityAuditConfig) -> bool:
    given = config.model_fields_set
    return (("methods" in given and any(m in GRADIENT_METHODS for m in config.methods))
            or ("primary_method" in given and config.primary_method in GRADIENT_METHODS)
            or ("smoothing" in given and config.smoothing != "none"))


def requirements(config: ExplainabilityAuditConfig) -> frozenset[str]:
    """What the model must give for this config: gradients (with respect to the encoded rows
    or to the model's own inputs) only when gradient methods (or smoothing) were asked for by
    name; weights ("logits") when the randomisation check was.

    Examples
    --------
    >>> sorted(requirements(ExplainabilityAuditConfig(enabled=True)))
    ['proba']
    >>> sorted(requirements(ExplainabilityAuditConfig(enabled=True, methods=("saliency",))))
    ['input_gradients', 'proba']
    """
    needs = {"proba"}
    if _asked_for_gradients(config):
        needs.add("input_gradients")
    if "checks" in config.model_fields_set and "randomisation" in config.checks:
        needs.add("logits")
    return frozenset(needs)


def for_capabilities(config: ExplainabilityAuditConfig, capabilities: frozenset[str]
                     ) -> tuple[ExplainabilityAuditConfig, tuple[str, ...]]:
    """The config to run on a model with these capabilities, and notes saying what changed.

    With gradients over the encoded rows or the model's own inputs: unchanged. Without
    either: the configured perturbation methods (all of them when none was
    configured), the first as primary unless one was named, no smoothing, no per-epoch
    attributions. Without weights (a callable): no randomisation check.

    Examples
    --------
    >>> cfg, notes = for_capabilities(ExplainabilityAuditConfig(enabled=True),
    ...                               frozenset({"proba"}))
    >>> cfg.methods, cfg.primary_method, "randomisation" in cfg.checks
    (('feature_ablation', 'shapley_value_sampling', 'kernel_shap'), 'feature_ablation', False)
    """
    notes: list[str] = []
    update: dict = {}
    if not {"gradients", "input_gradients"} & capabilities:
        methods = tuple(m for m in config.methods if m not in GRADIENT_METHODS) \
            or PERTURBATION_METHODS
        primary = config.primary_method if config.primary_method in methods else methods[0]
        update.update(methods=methods, primary_method=primary, smoothing="none",
                      record_during_training=False)
        notes.append("The model gives no gradients (a predict_proba callable, or a model whose "
                     "own inputs could not be laid out as columns): attributions are by "
                     "perturbation (" + ", ".join(methods) + "), each feature group replaced "
                     "by its baseline, rows decoded to raw columns for the model.")
    if "logits" not in capabilities and "randomisation" in config.checks:
        update["checks"] = tuple(c for c in config.checks if c != "randomisation")
        notes.append("The randomisation check re-initialises a model's weights; this model "
                     "has none the audit can reach, so it was not run.")
    return (config.model_copy(update=update) if update else config), tuple(notes)


def explained(ctx: Any) -> tuple[Any, Any, frozenset[str], tuple[str, ...]]:
    """``(dataset, model, capabilities, notes)`` the audit attributes.

    A model on the dataset's encoded rows is explained on them. A torch model with its own
    ``encode`` is explained on its own inputs (:meth:`audit.models.ModelAdapter.own_inputs`):
    gradient methods then run there, integer codes through their embeddings, and each raw
    column's attribution is the sum over the inputs it became. When those inputs cannot be
    laid out as columns, on the encoded rows by perturbation.
    """
    caps = ctx.capabilities
    if "gradients" in caps or "input_gradients" not in caps or ctx.adapter is None:
        return ctx.dataset, ctx.audited_model, caps, ()
    own = ctx.adapter.own_inputs(ctx.seed)
    if own is None:  # a black box on the encoded rows: perturbation, no weights to re-draw
        return ctx.dataset, ctx.adapter.opaque(), caps - {"input_gradients", "logits"}, (
            "The model's own inputs (encode) are not one- or two-dimensional tensors each "
            "moved by one raw column, so they cannot be attributed column by column.",)
    note = ("The model takes its own inputs (encode): attributions are computed on them, "
            "integer codes through their embeddings (captum's layer attributions), and summed "
            "back to each raw column; the inputs each column became were found by changing one "
            "raw column at a time on training rows (" + "; ".join(
                f"{name}: {len(cols)}" for name, cols in own.feature_groups.items()) + ").")
    return own.dataset(ctx.dataset), own.module, caps, (note,)
