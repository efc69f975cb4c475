"""Gate metrics of the counterfactual audit (registered when policies are judged)."""

from __future__ import annotations

import math

from audit.policy import MetricValue, register_metric, register_worst_metric
from audit.result import AuditResult


def _gaps(result: AuditResult, measure: str, arg: str | None) -> list:
    section = getattr(result, "counterfactuals", None)
    if section is None:
        return []
    return [g for g in section.gaps if g.measure == measure and not math.isnan(g.value)
            and (arg is None or g.sensitive_feature == arg)]


register_worst_metric(
    "counterfactuals.recourse_gap",
    "largest minus smallest group mean cost of recourse (bootstrap CI); [sensitive feature] or the worst",
    lambda result, arg: _gaps(result, "mean_cost", arg),
    lambda g: MetricValue(g.value, g.interval,
                          f"recourse cost gap over {g.sensitive_feature} "
                          + (f"(costliest {g.worst_group}, cheapest {g.best_group})"
                             if g.worst_group else "(every group the same)")))
register_worst_metric(
    "counterfactuals.recourse_share_gap",
    "largest minus smallest group share of negative decisions with recourse (bootstrap CI); "
    "[sensitive feature] or the worst",
    lambda result, arg: _gaps(result, "share_flippable", arg),
    lambda g: MetricValue(g.value, g.interval,
                          f"gap in share with recourse over {g.sensitive_feature} "
                          + (f"(lowest {g.worst_group}, highest {g.best_group})"
                             if g.worst_group else "(every group the same)")))


@register_metric("counterfactuals.not_found_share",
                 "share of searched rows with no counterfactual within the constraints")
def _not_found(result: AuditResult, arg: str | None) -> MetricValue | None:
    section = getattr(result, "counterfactuals", None)
    if section is None or not section.n_rows_searched:
        return None
    return MetricValue(section.n_rows_not_found / section.n_rows_searched, None,
                       f"{section.n_rows_not_found:,} of {section.n_rows_searched:,} rows")
