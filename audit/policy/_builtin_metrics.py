"""Gate metrics of model quality (each audit registers its own in its package)."""

from __future__ import annotations

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
