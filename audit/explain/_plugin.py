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
    modalities = ("tabular",)
    cost = 30
    position = 40

    def callbacks(self, ctx: AuditContext, config: ExplainabilityAuditConfig) -> list[Any]:
        from audit.explain._audit import training_callbacks

        return training_callbacks(ctx.dataset, config, ctx.seed)

    def run(self, ctx: AuditContext, config: ExplainabilityAuditConfig) -> ExplainabilitySection:
        from audit.explain._audit import run_audit

        return run_audit(ctx.dataset, ctx.model, config, ctx.seed)


AUDIT = register_audit(ExplainabilityAudit())
