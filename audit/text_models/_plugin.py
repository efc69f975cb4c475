"""The text-models audit's implementation of the audit contract (:mod:`audit.core`)."""

from __future__ import annotations

from audit.core import Audit, AuditContext, register_audit
from audit.result import TextModelsSection
from audit.text_models._config import TextModelsAuditConfig


class TextModelsAudit(Audit):
    """The trained text model beside its baselines, and its distilled student."""

    slug = "text_models"
    title = "Text models"
    description = ("accuracy beside the majority class and a TF-IDF logistic regression; "
                   "knowledge distillation into a small student")
    config_type = TextModelsAuditConfig
    section_type = TextModelsSection
    modalities = ("text",)
    cost = 50
    position = 50

    def run(self, ctx: AuditContext, config: TextModelsAuditConfig) -> TextModelsSection:
        from audit.text_models._audit import run_audit

        return run_audit(ctx, config)


AUDIT = register_audit(TextModelsAudit())
