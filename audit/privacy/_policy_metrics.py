"""Gate metrics of the privacy audit (registered when the audit's package is imported)."""

from __future__ import annotations

import math

from audit.policy import MetricValue, register_metric
from audit.result import AuditResult


@register_metric("privacy.epsilon", "DP epsilon at the run's delta (infinite when not DP)")
def _epsilon(result: AuditResult, arg: str | None) -> MetricValue | None:
    section = result.privacy
    spend = section.spend if section is not None else None
    if spend is None:
        return MetricValue(math.inf, None, "trained without DP: no formal guarantee")
    accountant = arg or spend.accountant
    return MetricValue(spend.epsilons.get(accountant, math.nan), None,
                       f"epsilon at delta {spend.delta:g} ({accountant.upper()} accountant"
                       f"{': an approximation, not a bound' if accountant == 'gdp' else ''})")


@register_metric("privacy.delta", "DP delta of the run")
def _delta(result: AuditResult, arg: str | None) -> MetricValue | None:
    spend = result.privacy.spend if result.privacy is not None else None
    return None if spend is None else MetricValue(spend.delta, None, spend.delta_rule)


def _attacks(result: AuditResult, arg: str | None):
    membership = result.privacy.membership if result.privacy is not None else None
    if membership is None or not membership.attacks:
        return []
    if arg is not None:
        return [membership.attacks[arg]] if arg in membership.attacks else []
    return list(membership.attacks.values())


@register_metric("privacy.attack_auc", "membership-inference AUC (DeLong CI); [attack] or the strongest")
def _attack_auc(result: AuditResult, arg: str | None) -> MetricValue | None:
    attacks = _attacks(result, arg)
    if not attacks:
        return None
    worst = max(attacks, key=lambda a: a.auc)
    return MetricValue(worst.auc, worst.auc_interval, f"{worst.name} attack AUC")


@register_metric("privacy.attack_tpr_at_1pct_fpr",
                 "membership-inference TPR at FPR 1% (Clopper-Pearson); [attack] or the strongest")
def _attack_tpr(result: AuditResult, arg: str | None) -> MetricValue | None:
    attacks = _attacks(result, arg)
    if not attacks:
        return None
    worst = max(attacks, key=lambda a: a.tpr_at_fpr["0.01"])
    return MetricValue(worst.tpr_at_fpr["0.01"], worst.tpr_at_fpr_intervals["0.01"],
                       f"{worst.name} attack TPR at FPR 1%")


@register_metric("privacy.empirical_epsilon", "epsilon lower bound proved by the attacks")
def _empirical(result: AuditResult, arg: str | None) -> MetricValue | None:
    membership = result.privacy.membership if result.privacy is not None else None
    if membership is None or membership.empirical_epsilon is None:
        return None
    return MetricValue(membership.empirical_epsilon.epsilon_lower_bound, None,
                       f"lower bound at {membership.confidence_level:.0%} confidence")


@register_metric("privacy.worst_group_attack_auc",
                 "highest membership-inference AUC over sensitive groups and intersections "
                 "(DeLong CI; groups of 50+ members and non-members); [partition] or all")
def _worst_group_auc(result: AuditResult, arg: str | None) -> MetricValue | None:
    from audit.privacy._group_risk import worst_group

    membership = result.privacy.membership if result.privacy is not None else None
    if membership is None or not membership.group_risk:
        return None
    row = worst_group(membership.group_risk, partition=arg)
    if row is None:
        return MetricValue(math.nan, None, "no group with 50 or more members and non-members"
                           + (f" in {arg}" if arg else ""))
    return MetricValue(row.auc, row.auc_interval,
                       f"{row.attack} attack AUC on {row.partition}={row.group} "
                       f"({row.n_members} members, {row.n_nonmembers} non-members)")


@register_metric("privacy.canary_epsilon",
                 "one-run canary audit's epsilon lower bound (Steinke et al. 2023)")
def _canary_epsilon(result: AuditResult, arg: str | None) -> MetricValue | None:
    canary = result.privacy.canary_audit if result.privacy is not None else None
    if canary is None:
        return None
    return MetricValue(canary.epsilon_lower_bound, None,
                       f"{canary.mode} canaries, {canary.n_correct}/{canary.n_guesses} guesses "
                       f"right, {canary.confidence_level:.0%} confidence, delta {canary.delta:g}")


@register_metric("privacy.worst_group_dp_accuracy_cost",
                 "largest accuracy a sensitive group or intersection loses to DP against the "
                 "non-private twin (paired bootstrap CI; groups of 50+ test rows); [partition] "
                 "or all")
def _worst_group_dp_cost(result: AuditResult, arg: str | None) -> MetricValue | None:
    from audit.privacy._group_dp_cost import worst_cost

    cost = result.privacy.group_dp_cost if result.privacy is not None else None
    if cost is None:
        return None
    if not cost.rows:  # not measured, with why: undefined, never 0
        return MetricValue(math.nan, None, f"accuracy cost under DP undefined: "
                                           f"{cost.undefined_reason}")
    row = worst_cost(cost, arg)
    if row is None:
        return MetricValue(math.nan, None, f"no group with {cost.min_group_size} or more test "
                                           "rows" + (f" in {arg}" if arg else ""))
    return MetricValue(row.cost, row.cost_interval,
                       f"{row.partition}={row.group} ({row.n} test rows): accuracy "
                       f"{row.accuracy_non_private:.4f} without DP, {row.accuracy_private:.4f} "
                       "with DP")
