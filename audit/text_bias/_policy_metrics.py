"""Gate metrics of the text-bias audit (registered when policies are judged).

Without an argument each metric takes the worst axis (or SEAT test); ``name[axis]`` picks one.
"""

from __future__ import annotations

import math

from audit.policy._metrics import MetricValue, register_metric
from audit.result import AuditResult


def _axes(result: AuditResult, arg: str | None):
    section = getattr(result, "text", None)
    if section is None:
        return []
    return [a for a in section.axes if arg is None or a.axis == arg]


@register_metric("text.counterfactual_token_flip_rate",
                 "share of identity-term swaps that flip the prediction (Clopper-Pearson); [axis] or the worst")
def _flip_rate(result: AuditResult, arg: str | None) -> MetricValue | None:
    axes = _axes(result, arg)
    if not axes:
        return None
    worst = max(axes, key=lambda a: a.flip_rate)
    return MetricValue(worst.flip_rate, worst.flip_interval,
                       f"prediction flips when the {worst.axis} term is swapped ({worst.n_pairs:,} pairs)")


@register_metric("text.mean_abs_score_change",
                 "mean |score change| from swapping the identity term (bootstrap over templates); [axis] or the worst")
def _score_change(result: AuditResult, arg: str | None) -> MetricValue | None:
    axes = _axes(result, arg)
    if not axes:
        return None
    worst = max(axes, key=lambda a: a.mean_abs_change)
    return MetricValue(worst.mean_abs_change, worst.mean_abs_change_interval,
                       f"mean |score change| swapping {worst.axis} terms")


@register_metric("text.group_score_gap",
                 "largest minus smallest group mean score on the templates; [axis] or the worst")
def _group_gap(result: AuditResult, arg: str | None) -> MetricValue | None:
    axes = _axes(result, arg)
    if not axes:
        return None
    worst = max(axes, key=lambda a: a.group_gap)
    return MetricValue(worst.group_gap, None,
                       f"{worst.axis}: {worst.highest_group} minus {worst.lowest_group} mean score")


@register_metric("text.error_rate_gap",
                 "false-positive (or -negative) rate gap between identity groups when the templates' label is "
                 "known; [axis] or the worst")
def _error_gap(result: AuditResult, arg: str | None) -> MetricValue | None:
    axes = [a for a in _axes(result, arg) if a.error_rate_kind and not math.isnan(a.error_rate_gap)]
    if not axes:
        return None
    worst = max(axes, key=lambda a: a.error_rate_gap)
    return MetricValue(worst.error_rate_gap, None, f"{worst.axis}: {worst.error_rate_kind.replace('_', ' ')} gap")


@register_metric("text.seat_effect_size", "absolute SEAT effect size |d| of the encoder; [test] or the largest")
def _seat(result: AuditResult, arg: str | None) -> MetricValue | None:
    section = getattr(result, "text", None)
    tests = [s for s in section.seat if arg is None or s.test == arg] if section is not None else []
    if not tests:
        return None
    worst = max(tests, key=lambda s: abs(s.effect_size))
    return MetricValue(abs(worst.effect_size), None,
                       f"SEAT {worst.test} ({worst.description}), permutation p = {worst.p_value:.3g}")
