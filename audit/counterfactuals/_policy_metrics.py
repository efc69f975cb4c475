"""Gate metrics of the counterfactual audit (registered when policies are judged)."""

from __future__ import annotations

import math

from audit.policy._metrics import MetricValue, register_metric
from audit.result import AuditResult


def _gaps(result: AuditResult, measure: str, arg: str | None) -> list:
    section = getattr(result, "counterfactuals", None)
    if section is None:
        return []
    return [g for g in section.gaps if g.measure == measure and not math.isnan(g.value)
            and (arg is None or g.sensitive_feature == arg)]


@register_metric("counterfactuals.recourse_gap",
                 "largest minus smallest group mean cost of recourse (bootstrap CI); "
                 "[sensitive feature] or the worst")
def _recourse_gap(result: AuditResult, arg: str | None) -> MetricValue | None:
    found = _gaps(result, "mean_cost", arg)
    if not found:
        return None
    worst = max(found, key=lambda g: g.value)
    return MetricValue(worst.value, worst.interval,
                       f"recourse cost gap over {worst.sensitive_feature} (costliest "
                       f"{worst.worst_group}, cheapest {worst.best_group})")


@register_metric("counterfactuals.recourse_share_gap",
                 "largest minus smallest group share of negative decisions with recourse "
                 "(bootstrap CI); [sensitive feature] or the worst")
def _share_gap(result: AuditResult, arg: str | None) -> MetricValue | None:
    found = _gaps(result, "share_flippable", arg)
    if not found:
        return None
    worst = max(found, key=lambda g: g.value)
    return MetricValue(worst.value, worst.interval,
                       f"gap in share with recourse over {worst.sensitive_feature} (lowest "
                       f"{worst.worst_group}, highest {worst.best_group})")


@register_metric("counterfactuals.not_found_share",
                 "share of searched rows with no counterfactual within the constraints")
def _not_found(result: AuditResult, arg: str | None) -> MetricValue | None:
    section = getattr(result, "counterfactuals", None)
    if section is None or not section.n_rows_searched:
        return None
    return MetricValue(section.n_rows_not_found / section.n_rows_searched, None,
                       f"{section.n_rows_not_found:,} of {section.n_rows_searched:,} rows")
