"""Gate metrics of the robustness checks (registered when policies are judged).

Every value is a flip rate with its Clopper-Pearson interval: a ``max`` gate with the default
``require_interval: true`` passes only when the interval's upper bound is below the limit.
"""

from __future__ import annotations

from audit.policy import MetricValue, register_metric
from audit.result import AuditResult


def _value(fr, description: str) -> MetricValue:
    return MetricValue(fr.rate, fr.interval, f"{description} ({fr.flips:,} of {fr.n:,} rows)")


@register_metric("robustness.counterfactual_flip_rate",
                 "share of decisions flipped when only a sensitive attribute changes "
                 "(Clopper-Pearson); [feature] or the worst")
def _counterfactual(result: AuditResult, arg: str | None) -> MetricValue | None:
    section = getattr(result, "robustness", None)
    found = [c for c in section.counterfactual if arg is None or c.feature == arg] if section else []
    if not found:
        return None
    worst = max(found, key=lambda c: c.overall.rate if c.overall.n else -1.0)
    return _value(worst.overall, f"counterfactual flips when {worst.feature} is {worst.change}")


@register_metric("robustness.noise_flip_rate",
                 "share of decisions flipped by Gaussian input noise; [scale in SD, e.g. 0.05] or the largest")
def _noise(result: AuditResult, arg: str | None) -> MetricValue | None:
    section = getattr(result, "robustness", None)
    if section is None or not section.noise:
        return None
    if arg is None:
        chosen = max(section.noise, key=lambda s: s.scale)
    else:
        try:
            scale = float(arg)
        except ValueError:
            return None
        chosen = next((s for s in section.noise if abs(s.scale - scale) < 1e-12), None)
        if chosen is None:
            return None
    return _value(chosen.overall, f"flips under noise of {chosen.scale:g} SD")


@register_metric("robustness.perturbation_flip_rate",
                 "share of decisions flipped by a plausible change of one feature; [feature] or the worst")
def _perturbation(result: AuditResult, arg: str | None) -> MetricValue | None:
    section = getattr(result, "robustness", None)
    found = [p for p in section.perturbations if arg is None or p.feature == arg] if section else []
    if not found:
        return None
    worst = max(found, key=lambda p: p.overall.rate)
    return _value(worst.overall, f"flips when {worst.feature} is {worst.change}")


@register_metric("robustness.text_flip_rate",
                 "share of text templates whose decision depends on the identity term")
def _text(result: AuditResult, arg: str | None) -> MetricValue | None:
    section = getattr(result, "robustness", None)
    text = section.text if section is not None else None
    if text is None:
        return None
    if arg is None:
        return _value(text.overall, f"templates flipped across {len(text.terms)} identity terms")
    fr = next((f for f in text.by_term if f.label.endswith(f"-> {arg}")), None)
    return None if fr is None else _value(fr, f"templates flipped by {fr.label}")
