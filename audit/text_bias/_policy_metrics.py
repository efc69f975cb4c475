"""Gate metrics of the text-bias audit (registered when policies are judged).

Without an argument each metric takes the worst axis (or SEAT test); ``name[axis]`` picks one.
"""

from __future__ import annotations

import math

from audit.policy import MetricValue, register_worst_metric
from audit.result import AuditResult


def _axes(result: AuditResult, arg: str | None) -> list:
    section = result.text_bias
    if section is None:
        return []
    return [a for a in section.axes if arg is None or a.axis == arg]


def _error_axes(result: AuditResult, arg: str | None) -> list:
    return [a for a in _axes(result, arg) if a.error_rate_kind and not math.isnan(a.error_rate_gap)]


def _floor_axes(result: AuditResult, arg: str | None) -> list:
    return [a for a in _axes(result, arg) if a.noise is not None and not math.isnan(a.noise.flip_difference)]


def _seat_tests(result: AuditResult, arg: str | None) -> list:
    section = result.text_bias
    return [s for s in section.seat if arg is None or s.test == arg] if section is not None else []


register_worst_metric(
    "text_bias.counterfactual_token_flip_rate",
    "share of identity-term swaps that flip the prediction (bootstrap over templates); [axis] or the worst",
    _axes, lambda a: MetricValue(a.flip_rate, a.flip_interval,
                                 f"prediction flips when the {a.axis} term is swapped ({a.n_pairs:,} pairs)"))
register_worst_metric(
    "text_bias.flip_rate_above_noise_floor",
    "identity-swap flip rate minus the neutral-word swap flip rate on the same templates (paired "
    "bootstrap over templates); [axis] or the worst",
    _floor_axes, lambda a: MetricValue(a.noise.flip_difference, a.noise.flip_difference_interval,
                                       f"{a.axis}: flip rate above the noise floor ({a.noise.flip_verdict})"))
register_worst_metric(
    "text_bias.mean_abs_score_change",
    "mean |score change| from swapping the identity term (bootstrap over templates); [axis] or the worst",
    _axes, lambda a: MetricValue(a.mean_abs_change, a.mean_abs_change_interval,
                                 f"mean |score change| swapping {a.axis} terms"))
register_worst_metric(
    "text_bias.group_score_gap",
    "largest minus smallest group mean score on the templates; [axis] or the worst",
    _axes, lambda a: MetricValue(a.group_gap, None,
                                 f"{a.axis}: {a.highest_group} minus {a.lowest_group} mean score"))
register_worst_metric(
    "text_bias.error_rate_gap",
    "false-positive (or -negative) rate gap between identity groups when the templates' label is "
    "known; [axis] or the worst",
    _error_axes, lambda a: MetricValue(a.error_rate_gap, None,
                                       f"{a.axis}: {a.error_rate_kind.replace('_', ' ')} gap"))
register_worst_metric(
    "text_bias.seat_effect_size", "absolute SEAT effect size |d| of the encoder; [test] or the largest",
    _seat_tests, lambda s: MetricValue(abs(s.effect_size), None,
                                       f"SEAT {s.test} ({s.description}), permutation p = {s.p_value:.3g}"))
