"""The error analysis's implementation of the audit contract (:mod:`audit.core`)."""

from __future__ import annotations

import audit.error_analysis._policy_metrics  # noqa: F401  (registers the gate metrics)
from audit.core import Audit, AuditContext, register_audit
from audit.error_analysis._config import ErrorAnalysisConfig
from audit.result import ErrorAnalysisSection


class ErrorAnalysisAudit(Audit):
    """Cohorts where the model errs most: slice search and an error tree."""

    slug = "error_analysis"
    title = "Error analysis"
    description = ("slices of up to three features where the error rate, FPR or FNR is highest "
                   "(Benjamini-Hochberg), and a shallow error tree")
    config_type = ErrorAnalysisConfig
    section_type = ErrorAnalysisSection
    modalities = ("tabular", "text")
    cost = 12
    position = 90

    def run(self, ctx: AuditContext, config: ErrorAnalysisConfig) -> ErrorAnalysisSection:
        if ctx.modality == "text":
            from audit.error_analysis._text import run_text_audit

            return run_text_audit(ctx.dataset, ctx.test_scores(), config, ctx.seed)
        from audit.error_analysis._audit import run_audit

        return run_audit(ctx.dataset, ctx.audited_model, config, ctx.seed,
                         scores=ctx.test_scores())


AUDIT = register_audit(ErrorAnalysisAudit())
