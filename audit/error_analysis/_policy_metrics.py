"""Gate metrics of the error analysis (registered when the policy module loads its metrics).

They read the stored slice cohorts: only those significant after the Benjamini-Hochberg
correction count, so a gate does not fail on a tiny cohort that is extreme by chance.
"""

from __future__ import annotations

from audit.policy import MetricValue, register_metric
from audit.result import AuditResult


def _analysis(result: AuditResult, arg: str | None):
    section = getattr(result, "error_analysis", None)
    if section is None or not section.analyses:
        return None
    return section.analysis(arg) if arg is not None else section.analyses[0]


def _worst(result: AuditResult, arg: str | None, key: str) -> MetricValue | None:
    a = _analysis(result, arg)
    if a is None:
        return None
    significant = [c for c in a.cohorts if c.significant]
    name = a.metric.replace("_", " ")
    if not significant:
        value = a.overall_value if key == "value" else 0.0
        return MetricValue(value, None, f"no cohort's {name} differs significantly from the rest")
    highest = result.error_analysis.settings.direction == "highest"
    pick = max if highest else min
    worst = pick(significant, key=lambda c: getattr(c, key))
    interval = worst.interval if key == "value" else worst.difference_interval
    return MetricValue(getattr(worst, key), interval,
                       f"{name} of '{worst.text}' (n={worst.size}, q={worst.q_value:.2g})")


@register_metric("error_analysis.worst_cohort_error_rate",
                 "highest error rate of a significant slice cohort (bootstrap CI)")
def _worst_error_rate(result: AuditResult, arg: str | None) -> MetricValue | None:
    return _worst(result, "error_rate", "value")


@register_metric("error_analysis.worst_cohort_value",
                 "most extreme value of a significant slice cohort; [metric] or the headline one")
def _worst_value(result: AuditResult, arg: str | None) -> MetricValue | None:
    return _worst(result, arg, "value")


@register_metric("error_analysis.worst_cohort_difference",
                 "largest cohort-minus-rest difference of a significant slice cohort; [metric] "
                 "or the headline one")
def _worst_difference(result: AuditResult, arg: str | None) -> MetricValue | None:
    return _worst(result, arg, "difference")


@register_metric("error_analysis.significant_cohorts",
                 "slices whose metric differs from the rest (BH q <= alpha); [metric] or headline")
def _n_significant(result: AuditResult, arg: str | None) -> MetricValue | None:
    a = _analysis(result, arg)
    if a is None:
        return None
    return MetricValue(float(a.n_significant), None,
                       f"of {a.n_slices_tested} slices tested for {a.metric.replace('_', ' ')}")
