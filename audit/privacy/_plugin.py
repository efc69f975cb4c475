"""The privacy audit's implementation of the audit contract (:mod:`audit.core`)."""

from __future__ import annotations

import audit.privacy._policy_metrics  # noqa: F401  (registers the gate metrics)
from audit.core import Audit, AuditContext, register_audit
from audit.privacy._config import PrivacyAuditConfig
from audit.result import PrivacySection


class PrivacyAudit(Audit):
    """Membership inference on the trained model and the privacy-utility curve; the DP spend
    of a private run is recorded even when the audit is disabled."""

    slug = "privacy"
    title = "Privacy"
    description = ("DP spend (PRV, RDP, GDP), membership-inference attacks (loss, LiRA, RMIA) "
                   "with an empirical epsilon lower bound and per-group risk, each group's "
                   "accuracy cost under DP, the one-run canary audit, the bounds per "
                   "checkpoint, privacy-utility curve")
    config_type = PrivacyAuditConfig
    section_type = PrivacySection
    modalities = ("tabular", "text")
    cost = 100  # trains reference models: last
    position = 20
    requires = frozenset({"per_example_loss"})

    def requirements(self, config: PrivacyAuditConfig) -> frozenset[str]:
        needs = set(self.requires)
        if (any(a.startswith(("lira", "rmia")) for a in config.attacks)
                or config.utility_curve_epsilons):
            needs.add("trainer")  # reference models / retrains at each epsilon
        return frozenset(needs)

    def capability_fix(self, missing: frozenset[str], config: PrivacyAuditConfig) -> str:
        return ("set audits.privacy.attacks: [loss] and utility_curve_epsilons: [] (the loss "
                "attack needs only per-example losses), or give the adapter a trainer "
                "(ModelAdapter(model, trainer=...)) for the reference models of LiRA and RMIA")

    def run(self, ctx: AuditContext, config: PrivacyAuditConfig) -> PrivacySection:
        from audit.privacy._audit import run_audit

        adapter = ctx.adapter
        reference = (adapter.trainer_module if ctx.build_model is None and adapter is not None
                     and adapter.trainer is not None else None)
        twin_fit, model = None, ctx.audited_model
        if ctx.modality == "text":  # the module itself: it takes padded token-id batches
            from audit.text import fit_text

            twin_fit, model = fit_text, ctx.model
        return run_audit(ctx.dataset, model, config, ctx.seed, spend=ctx.spend,
                         build_model=ctx.build_model, fit_kwargs=ctx.fit_kwargs,
                         privacy=ctx.privacy, train_reference=reference, twin_fit=twin_fit,
                         history=ctx.training.history if ctx.training is not None else ())

    def callbacks(self, ctx: AuditContext, config: PrivacyAuditConfig) -> list:
        """A DP tabular run: the loss attack's lower bound after each epoch (the per-checkpoint
        bounds)."""
        if ctx.modality != "tabular":
            return []
        from audit.privacy._checkpoints import loss_attack_callback

        return loss_attack_callback(ctx.dataset, config, ctx.seed, ctx.privacy)

    def upgrade_section(self, raw: dict, major: int) -> dict:
        """1.x wrote ``confidence`` where 2.0 writes ``confidence_level`` (one name everywhere)."""
        def renamed(value):
            if isinstance(value, dict):
                return {("confidence_level" if k == "confidence" else k): renamed(v)
                        for k, v in value.items()}
            return [renamed(v) for v in value] if isinstance(value, list) else value
        return renamed(raw) if major == 1 else raw

    def free_section(self, ctx: AuditContext) -> PrivacySection | None:
        if ctx.spend is None:
            return None
        from audit.privacy._audit import privacy_notes

        return PrivacySection(spend=ctx.spend, notes=privacy_notes(ctx.spend, None))

    def headline(self, section: PrivacySection) -> list[str]:
        lines = []
        spend = section.spend
        if spend is not None:
            others = ", ".join(f"{k}{' (approximation)' if k == 'gdp' else ''} {v:.3f}"
                               for k, v in spend.epsilons.items() if k != spend.accountant)
            lines.append(f"privacy: epsilon {spend.epsilon:.3f} at delta {spend.delta:g} "
                         f"({spend.accountant}; {others}), noise {spend.noise_multiplier:.3f}, "
                         f"clip {spend.max_grad_norm:g}, {spend.grad_sample_mode}")
        else:
            lines.append("privacy: trained without DP (no formal guarantee)")
        membership = section.membership
        if membership is not None:
            for name, attack in membership.attacks.items():
                lines.append(f"membership inference {name}: AUC {attack.auc:.3f} "
                             f"[{attack.auc_interval.low:.3f}, {attack.auc_interval.high:.3f}], "
                             f"TPR@1%FPR {attack.tpr_at_fpr['0.01']:.4f}")
            bound = membership.empirical_epsilon
            if bound is not None:
                lines.append(f"empirical epsilon lower bound {bound.epsilon_lower_bound:.3f} "
                             f"({membership.empirical_epsilon_attack}, "
                             f"{membership.confidence_level:.0%} confidence)")
        return lines


AUDIT = register_audit(PrivacyAudit())
