"""Gate metrics of the fairness audit (registered when the audit's package is imported)."""

from __future__ import annotations

import math

from audit.policy import MetricValue, register_metric
from audit.result import AuditResult

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
        every = [(p.name, d) for p in _partitions(result, arg) for d in p.disparities
                 if d.name == name]
        found = [(part, d) for part, d in every if not math.isnan(d.value)]
        if not found and every:  # measured, and undefined: say why (a gate never passes it)
            part, d = every[0]
            return MetricValue(float("nan"), None, f"{name.replace('_', ' ')} over {part} is "
                                                   f"undefined: {d.undefined_reason}")
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


def _latest_window_metric(name: str):
    """``name`` in the latest time window of a prediction log (monitoring gates judge what the
    model does now, with the window's own interval)."""
    def extract(result: AuditResult, arg: str | None) -> MetricValue | None:
        section = result.fairness
        if section is None or not section.windows:
            return None
        window = section.windows[-1]
        found = [(p.name, d) for p in window.partitions if arg is None or p.name == arg
                 for d in p.disparities if d.name == name and not math.isnan(d.value)]
        if not found:
            return None
        part, worst = max(found, key=lambda t: t[1].value if t[1].kind == "difference"
                          else -t[1].value)
        return MetricValue(worst.value, worst.interval,
                           f"{name.replace('_', ' ')} over {part} in the latest {section.window} "
                           f"{window.window} ({window.n_rows:,} rows; worst {worst.worst_group})")
    return extract


for _name in _DISPARITIES:
    register_metric(f"fairness.latest_window.{_name}",
                    f"{_name.replace('_', ' ')} in the latest time window of a prediction log "
                    "(bootstrap CI); [feature] or the worst")(_latest_window_metric(_name))
