"""The counterfactual audit's implementation of the audit contract (:mod:`audit.core`)."""

from __future__ import annotations

import audit.counterfactuals._policy_metrics  # noqa: F401  (registers the gate metrics)
from audit.core import Audit, AuditContext, register_audit
from audit.counterfactuals._config import CounterfactualAuditConfig
from audit.result import CounterfactualSection


class CounterfactualAudit(Audit):
    """What must change to flip a decision, and recourse per sensitive group."""

    slug = "counterfactuals"
    title = "Counterfactuals"
    description = ("verified counterfactuals under immutability and range constraints; "
                   "recourse share and cost per sensitive group")
    config_type = CounterfactualAuditConfig
    section_type = CounterfactualSection
    modalities = ("tabular",)
    cost = 40
    position = 70
    requires = frozenset({"proba"})  # without gradients: the random search

    def requirements(self, config: CounterfactualAuditConfig) -> frozenset[str]:
        # dice-ml's comparison runs its own search on the torch model
        return self.requires | {"gradients"} if config.dice_rows else self.requires

    def capability_fix(self, missing: frozenset[str], config: CounterfactualAuditConfig) -> str:
        return "set audits.counterfactuals.dice_rows: 0 (the dice-ml comparison needs gradients)"

    def run(self, ctx: AuditContext, config: CounterfactualAuditConfig) -> CounterfactualSection:
        from audit.counterfactuals._audit import run_audit

        return run_audit(ctx.dataset, ctx.audited_model, config, ctx.seed,
                         gradients="gradients" in ctx.capabilities)

    def headline(self, section: CounterfactualSection) -> list[str]:
        gaps = [g for g in section.gaps if g.measure == "mean_cost"]
        worst = max(gaps, key=lambda g: g.value) if gaps else None
        return [f"counterfactuals: {section.n_rows_found:,} of {section.n_rows_searched:,} rows "
                f"flippable, {section.mean_per_row:.2f} per row, all verified"
                + (f"; largest recourse cost gap {worst.value:.3f} over {worst.sensitive_feature} "
                   + (f"(costliest {worst.worst_group})" if worst.worst_group
                      else "(every group the same)") if worst is not None else "")]


AUDIT = register_audit(CounterfactualAudit())
