"""The explainability audit on models that give no gradients over the encoded rows (a
``predict_proba`` callable, a torch model with its own encoding): captum's perturbation methods
(feature ablation, Shapley value sampling, KernelShap), which need only a forward pass."""

from __future__ import annotations

from audit.explain._config import ALL_METHODS, GRADIENT_METHODS, ExplainabilityAuditConfig

#: Methods that need only a forward pass, in the audit's order.
PERTURBATION_METHODS = tuple(m for m in ALL_METHODS if m not in GRADIENT_METHODS)


def _asked_for_gradients(config: ExplainabilityAuditConfig) -> bool:
    given = config.model_fields_set
    return (("methods" in given and any(m in GRADIENT_METHODS for m in config.methods))
            or ("primary_method" in given and config.primary_method in GRADIENT_METHODS)
            or ("smoothing" in given and config.smoothing != "none"))


def requirements(config: ExplainabilityAuditConfig) -> frozenset[str]:
    """What the model must give for this config: gradients only when gradient methods (or
    smoothing) were asked for by name; weights ("logits") when the randomisation check was.

    Examples
    --------
    >>> sorted(requirements(ExplainabilityAuditConfig(enabled=True)))
    ['proba']
    >>> sorted(requirements(ExplainabilityAuditConfig(enabled=True, methods=("saliency",))))
    ['gradients', 'proba']
    """
    needs = {"proba"}
    if _asked_for_gradients(config):
        needs.add("gradients")
    if "checks" in config.model_fields_set and "randomisation" in config.checks:
        needs.add("logits")
    return frozenset(needs)


def for_capabilities(config: ExplainabilityAuditConfig, capabilities: frozenset[str]
                     ) -> tuple[ExplainabilityAuditConfig, tuple[str, ...]]:
    """The config to run on a model with these capabilities, and notes saying what changed.

    Without gradients: the configured perturbation methods (all of them when none was
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
    if "gradients" not in capabilities:
        methods = tuple(m for m in config.methods if m not in GRADIENT_METHODS) \
            or PERTURBATION_METHODS
        primary = config.primary_method if config.primary_method in methods else methods[0]
        update.update(methods=methods, primary_method=primary, smoothing="none",
                      record_during_training=False)
        notes.append("The model gives no gradients with respect to the encoded features (a "
                     "predict_proba callable or a model with its own encoding): attributions "
                     "are by perturbation (" + ", ".join(methods) + "), each feature group "
                     "replaced by its baseline, rows decoded to raw columns for the model.")
    if "logits" not in capabilities and "randomisation" in config.checks:
        update["checks"] = tuple(c for c in config.checks if c != "randomisation")
        notes.append("The randomisation check re-initialises a model's weights; this model "
                     "has none the audit can reach (a callable), so it was not run.")
    return (config.model_copy(update=update) if update else config), tuple(notes)
