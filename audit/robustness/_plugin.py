"""The robustness audit's implementation of the audit contract (:mod:`audit.core`)."""

from __future__ import annotations

import audit.robustness._policy_metrics  # noqa: F401  (registers the gate metrics)
from audit.core import Audit, AuditContext, register_audit
from audit.result import RobustnessSection
from audit.robustness._config import RobustnessAuditConfig


class RobustnessAudit(Audit):
    """Counterfactual, noise, perturbation and threshold stability of the decisions."""

    slug = "robustness"
    title = "Robustness"
    description = ("decisions flipped by changing only a sensitive attribute, by noise or one "
                   "plausible feature change; accuracy and fairness over thresholds")
    config_type = RobustnessAuditConfig
    section_type = RobustnessSection
    modalities = ("tabular", "text")
    cost = 15
    position = 80

    def run(self, ctx: AuditContext, config: RobustnessAuditConfig) -> RobustnessSection:
        if ctx.modality == "text":
            from audit.robustness._text_audit import audit_text_robustness
            from audit.text import context_text_model, text_predictor

            model, tokenizer = context_text_model(ctx, self.slug)
            predict = text_predictor(model, tokenizer, max_length=ctx.dataset.max_length)
            return audit_text_robustness(predict, ctx.dataset, config, ctx.seed)
        from audit.robustness._audit import run_audit

        return run_audit(ctx.dataset, ctx.audited_model, config, ctx.seed)

    def headline(self, section: RobustnessSection) -> list[str]:
        typos = [f"robustness: typos in {t.rate:.0%} of words flip {100 * t.overall.rate:.2f}% "
                 f"[{100 * t.overall.interval.low:.2f}%, {100 * t.overall.interval.high:.2f}%]"
                 for t in section.typos[-1:]]
        if not section.counterfactual:
            return typos
        return ["robustness: decisions flipped when only " + "; ".join(
            f"{c.feature} changes {100 * c.overall.rate:.2f}% [{100 * c.overall.interval.low:.2f}%, "
            f"{100 * c.overall.interval.high:.2f}%]" for c in section.counterfactual)] + typos


AUDIT = register_audit(RobustnessAudit())
