"""The fairness audit's implementation of the audit contract (:mod:`audit.core`)."""

from __future__ import annotations

from typing import Any

import audit.fairness._policy_metrics  # noqa: F401  (registers the gate metrics)
from audit.core import Audit, AuditContext, register_audit
from audit.errors import ConfigError, Problem
from audit.fairness._config import FairnessAuditConfig
from audit.result import FairnessSection

#: Mitigation methods that retrain fresh copies of the model (a torch module).
RETRAIN_METHODS = frozenset({"reweighing", "correlation_remover", "exponentiated_gradient"})


class FairnessAudit(Audit):
    """Group metrics, disparities with intervals, intersections and mitigation."""

    slug = "fairness"
    title = "Fairness"
    description = ("fairlearn metrics per sensitive group and intersection, disparities with "
                   "intervals and verdicts, mitigation and its cost")
    config_type = FairnessAuditConfig
    section_type = FairnessSection
    modalities = ("tabular", "text")
    cost = 20
    position = 30
    requires = frozenset({"proba"})

    def requirements(self, config: FairnessAuditConfig) -> frozenset[str]:
        mc = config.mitigation
        if mc.enabled and set(mc.methods) & RETRAIN_METHODS:
            return self.requires | {"logits"}  # retrains fresh copies of the torch module
        return self.requires

    def capability_fix(self, missing: frozenset[str], config: FairnessAuditConfig) -> str:
        return ("set audits.fairness.mitigation.methods: [threshold_optimizer] (post-processing "
                "needs only the scores), or audit the torch module itself")

    def problems(self, ctx: AuditContext, config: FairnessAuditConfig) -> list[Problem]:
        found = []
        if ctx.modality != "tabular" and config.mitigation.enabled:
            found.append(Problem(ConfigError, "audits.fairness.mitigation.enabled",
                                 "false for text data (mitigation retrains tabular models)",
                                 "true", "set audits.fairness.mitigation.enabled: false"))
        text_groups = ctx.modality == "text" and config.text_identity_axes != []
        if not list(config.sensitive_features or ctx.dataset.sensitive_features) and not text_groups:
            found.append(Problem(ConfigError, "audits.fairness.sensitive_features",
                                 "at least one sensitive feature to compare groups of",
                                 "none (and none in data.sensitive_features)",
                                 "list the group columns in data.sensitive_features"))
        return found

    def callbacks(self, ctx: AuditContext, config: FairnessAuditConfig) -> list[Any]:
        if ctx.modality != "tabular":
            return []
        from audit.fairness._audit import training_callbacks

        return training_callbacks(ctx.dataset, config, ctx.seed)

    def run(self, ctx: AuditContext, config: FairnessAuditConfig) -> FairnessSection:
        if ctx.modality == "tabular":
            from audit.fairness._audit import run_audit

            return run_audit(ctx.dataset, ctx.audited_model, config, ctx.seed,
                             scores=ctx.test_scores(),
                             training_settings=ctx.fit_kwargs if ctx.training is not None
                             else None)
        from audit.fairness._text import audit_text_fairness

        return audit_text_fairness(ctx.dataset, ctx.test_scores(), config, ctx.seed)


AUDIT = register_audit(FairnessAudit())
