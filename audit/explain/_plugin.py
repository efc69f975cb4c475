"""The explainability audit's implementation of the audit contract (:mod:`audit.core`)."""

from __future__ import annotations

from typing import Any

import audit.explain._policy_metrics  # noqa: F401  (registers the gate metrics)
from audit.core import Audit, AuditContext, register_audit
from audit.explain._config import ExplainabilityAuditConfig
from audit.result import ExplainabilitySection


class ExplainabilityAudit(Audit):
    """Captum attributions (global, per row, per group), proxies and trust checks."""

    slug = "explainability"
    title = "Explainability"
    description = ("captum attributions globally, per row and per group, proxy associations, "
                   "trust checks (completeness, infidelity, sensitivity, randomisation)")
    config_type = ExplainabilityAuditConfig
    section_type = ExplainabilitySection
    modalities = ("tabular", "text")
    cost = 30
    position = 40
    requires = frozenset({"proba"})

    def requirements(self, config: ExplainabilityAuditConfig) -> frozenset[str]:
        from audit.explain._capability import requirements

        return requirements(config)

    def capability_fix(self, missing: frozenset[str], config: ExplainabilityAuditConfig) -> str:
        return ("list only perturbation methods (audits.explainability.methods: "
                "[feature_ablation, shapley_value_sampling, kernel_shap], primary_method: "
                "feature_ablation, smoothing: none) and leave randomisation out of checks, or "
                "leave methods unset: a model without gradients then gets those by default")

    def callbacks(self, ctx: AuditContext, config: ExplainabilityAuditConfig) -> list[Any]:
        from audit.explain._audit import training_callbacks
        from audit.explain._capability import for_capabilities

        if ctx.modality == "text":  # text attributions are computed on the final model
            return []
        # during training the callback explains the dataset's encoded rows
        caps = ctx.capabilities - {"input_gradients"}
        return training_callbacks(ctx.dataset, for_capabilities(config, caps)[0], ctx.seed)

    def run(self, ctx: AuditContext, config: ExplainabilityAuditConfig) -> ExplainabilitySection:
        from dataclasses import replace

        if ctx.modality == "text":
            from audit.explain._text_audit import audit_text_explanations
            from audit.text import context_text_model, text_predictor

            model, tokenizer = context_text_model(ctx, self.slug)
            predict = text_predictor(model, tokenizer, max_length=ctx.dataset.max_length)
            return audit_text_explanations(model, tokenizer, ctx.dataset, predict, config, ctx.seed)
        from audit.explain._audit import run_audit
        from audit.explain._capability import explained, for_capabilities

        dataset, model, caps, why = explained(ctx)
        config, notes = for_capabilities(config, caps)
        section = run_audit(dataset, model, config, ctx.seed)
        notes = (*why, *notes)
        return replace(section, notes=(*section.notes, *notes)) if notes else section


AUDIT = register_audit(ExplainabilityAudit())
