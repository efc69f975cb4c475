"""Gate metrics for model quality and privacy (fairness and explainability register theirs in
their own modules)."""

from __future__ import annotations

import math

from audit.policy._metrics import MetricValue, register_metric
from audit.result import AuditResult


@register_metric("quality.accuracy", "test accuracy (Wilson interval)")
def _accuracy(result: AuditResult, arg: str | None) -> MetricValue | None:
    q = result.quality
    return None if q is None else MetricValue(q.accuracy, q.accuracy_interval,
                                              f"test accuracy, n={q.n}")


@register_metric("quality.roc_auc", "test ROC AUC")
def _roc_auc(result: AuditResult, arg: str | None) -> MetricValue | None:
    q = result.quality
    return None if q is None else MetricValue(q.roc_auc, None, "test ROC AUC")


@register_metric("privacy.epsilon", "DP epsilon at the run's delta (infinite when not DP)")
def _epsilon(result: AuditResult, arg: str | None) -> MetricValue | None:
    section = result.privacy
    spend = section.spend if section is not None else None
    if spend is None:
        return MetricValue(math.inf, None, "trained without DP: no formal guarantee")
    accountant = arg or spend.accountant
    return MetricValue(spend.epsilons.get(accountant, math.nan), None,
                       f"epsilon at delta {spend.delta:g} ({accountant.upper()} accountant)")


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
                       f"lower bound at {membership.confidence:.0%} confidence")


_DISPARITIES = ("demographic_parity_difference", "demographic_parity_ratio",
                "equalized_odds_difference", "equalized_odds_ratio",
                "equal_opportunity_difference", "four_fifths_rule")


def _partitions(result: AuditResult, arg: str | None):
    section = result.fairness
    if section is None:
        return []
    return [p for p in section.partitions if arg is None or p.name == arg]


def _disparity_metric(name: str):
    def extract(result: AuditResult, arg: str | None) -> MetricValue | None:
        found = [(p.name, d) for p in _partitions(result, arg) for d in p.disparities
                 if d.name == name and not math.isnan(d.value)]
        if not found:
            return None
        # without [partition]: the worst partition (largest difference, smallest ratio)
        part, worst = max(found, key=lambda t: t[1].value if t[1].kind == "difference"
                          else -t[1].value)
        return MetricValue(worst.value, worst.interval,
                           f"{name.replace('_', ' ')} over {part} "
                           f"(worst {worst.worst_group}, best {worst.best_group})")
    return extract


for _name in _DISPARITIES:
    register_metric(f"fairness.{_name}",
                    f"{_name.replace('_', ' ')} (bootstrap CI); [feature or 'a x b'] or the worst")(
        _disparity_metric(_name))


@register_metric("fairness.min_group_size", "smallest group's test rows; [feature] or any")
def _min_group_size(result: AuditResult, arg: str | None) -> MetricValue | None:
    groups = [(p.name, g) for p in _partitions(result, arg) for g in p.groups]
    if not groups:
        return None
    part, smallest = min(groups, key=lambda t: t[1].size)
    return MetricValue(float(smallest.size), None, f"group {smallest.group} of {part}")
