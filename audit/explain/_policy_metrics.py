"""Gate metrics of the explainability audit (registered when the audit's package is imported)."""

from __future__ import annotations

from audit.policy import MetricValue, register_metric
from audit.result import AuditResult


@register_metric("explainability.trust_checks_warned",
                 "trust checks (completeness, infidelity, ...) that warned; [method] or all")
def _warned(result: AuditResult, arg: str | None) -> MetricValue | None:
    section = result.explainability
    if section is None:
        return None
    checks = [c for c in section.checks if arg is None or c.method == arg]
    if not checks:
        return None
    warned = [c for c in checks if c.status == "warn"]
    names = ", ".join(f"{c.method} {c.check}" for c in warned[:5]) or "none"
    return MetricValue(float(len(warned)), None,
                       f"{len(warned)} of {len(checks)} trust checks warned ({names})")


@register_metric("explainability.proxy_association",
                 "strongest association of a non-sensitive feature with a sensitive one; "
                 "[sensitive feature] or any")
def _proxy(result: AuditResult, arg: str | None) -> MetricValue | None:
    section = result.explainability
    if section is None:
        return None
    proxies = [p for p in section.proxies if not p.is_same_column
               and (arg is None or p.sensitive_feature == arg)]
    if not proxies:
        return None
    top = max(proxies, key=lambda p: p.association)
    return MetricValue(top.association, None,
                       f"{top.feature} ~ {top.sensitive_feature} ({top.measure})")
