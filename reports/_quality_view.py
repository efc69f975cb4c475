"""What the report's model-quality and training-history sections need: their charts."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from audit.result import AuditResult
from reports import _charts


def _history_charts(result: AuditResult) -> list[Markup]:
    if not result.history:
        return []
    epochs = [r.epoch for r in result.history]
    charts = []
    losses = {k: [r.metrics.get(k, float("nan")) for r in result.history]
              for k in ("train/loss", "val/loss") if k in result.history[0].metrics}
    if losses:
        charts.append(Markup(_charts.line_chart(epochs, losses, xlabel="epoch",
                                                ylabel="cross-entropy loss", title="Loss")))
    if "val/accuracy" in result.history[0].metrics:
        charts.append(Markup(_charts.line_chart(
            epochs, {"validation accuracy": [r.metrics["val/accuracy"] for r in result.history]},
            xlabel="epoch", ylabel="accuracy", title="Validation accuracy")))
    return charts


def context(result: AuditResult) -> dict[str, Any]:
    """``confusion_chart`` (None without a quality section) and ``history_charts``."""
    q = result.quality
    confusion = None
    if q is not None:
        confusion = Markup(_charts.confusion_chart(
            q.confusion.tn, q.confusion.fp, q.confusion.fn, q.confusion.tp,
            positive=result.metadata.data.positive_label, negative="other"))
    return {"confusion_chart": confusion, "history_charts": _history_charts(result)}
