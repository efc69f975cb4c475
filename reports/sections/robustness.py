"""The robustness section's view model: charts for the report and tables (:class:`Table`) read
by the report's template and the dashboard page alike (no HTML here).

Charts are Vega-Lite blocks made by :mod:`reports._charts` (the only markup marked safe); labels
(feature and group names are user data) reach the template as plain strings and are autoescaped
there.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from audit.result import AuditResult
from reports import _charts
from reports.table import Table

DISPARITY_LABELS = {"demographic_parity_difference": "Demographic parity difference",
                    "equalized_odds_difference": "Equalized odds difference"}


def _pct(value: float) -> str:
    return "undefined" if value != value else f"{100 * value:.2f}%"


def flip_row(fr, **extra: Any) -> dict[str, Any]:
    """One table row of a flip rate: percentages as text, counts as numbers."""
    return {**extra, "label": fr.label, "n": fr.n, "flips": fr.flips, "rate": _pct(fr.rate),
            "interval": f"[{_pct(fr.interval.low)}, {_pct(fr.interval.high)}]",
            "to_positive": fr.to_positive, "to_negative": fr.to_negative,
            "mean_abs_delta": f"{fr.mean_abs_delta:.4f}", "max_abs_delta": f"{fr.max_abs_delta:.4f}"}


#: The columns of every flip-rate table (row key -> header).
FLIP_COLUMNS = {"label": "change", "n": "rows", "flips": "flips", "rate": "flip rate",
                "interval": "95% CI", "to_positive": "to positive", "to_negative": "to negative",
                "mean_abs_delta": "mean |Δ score|", "max_abs_delta": "max |Δ score|"}
THRESHOLD_COLUMNS = {"metric": "metric", "feature": "feature", "at": "at operating threshold",
                     "low": "lowest", "high": "highest", "slope": "per +0.01"}


def tables(section) -> dict[str, Any]:
    """Every table of the section: ``counterfactual`` (one entry per sensitive feature, its
    ``rows`` a flip table per change), ``noise``, ``perturbations``, ``thresholds``, ``text``."""
    counterfactual = [{"feature": c.feature, "kind": c.kind, "model_input": c.model_input,
                       "change": c.change, "note": c.note, "overall": flip_row(c.overall),
                       "rows": Table([flip_row(fr) for fr in c.by_change], FLIP_COLUMNS)}
                      for c in section.counterfactual]
    ts = section.threshold_sensitivity
    thresholds = None if ts is None else Table(
        [{"metric": "Accuracy" if c.metric == "accuracy" else DISPARITY_LABELS.get(c.metric, c.metric),
          "feature": c.feature or "all rows", "at": f"{c.at_operating:.4f}",
          "low": f"{c.low:.4f}", "high": f"{c.high:.4f}",
          "slope": f"{0.01 * c.slope:+.4f}"} for c in ts.curves], THRESHOLD_COLUMNS)
    text = None
    if section.text is not None:
        t = section.text
        text = {"t": t, "overall": flip_row(t.overall),
                "rows": Table([flip_row(fr) for fr in t.by_term], FLIP_COLUMNS)}
    return {
        "counterfactual": counterfactual,
        "noise": Table([flip_row(n.overall, scale=n.scale) for n in section.noise],
                       {"scale": "noise (SD)", **FLIP_COLUMNS}),
        "perturbations": Table([flip_row(p.overall, feature=p.feature, change=p.change, kind=p.kind)
                                for p in section.perturbations],
                               {"feature": "feature", **FLIP_COLUMNS}),
        "thresholds": thresholds, "text": text}


def _flip_chart(labels: list[str], rates: list, title: str) -> Markup:
    return Markup(_charts.interval_chart(
        labels, [100 * fr.rate for fr in rates], [100 * fr.interval.low for fr in rates],
        [100 * fr.interval.high for fr in rates], xlabel="decisions flipped (%), 95% CI",
        title=title))


def _threshold_charts(ts) -> list[Markup]:
    grid = list(ts.thresholds)
    charts = []
    acc = [c for c in ts.curves if c.metric == "accuracy"]
    if acc:
        charts.append(Markup(_charts.line_chart(
            grid, {"accuracy": acc[0].values}, xlabel="decision threshold", ylabel="accuracy",
            title=f"Accuracy by threshold (operating point {ts.operating_threshold:g})")))
    for metric, label in DISPARITY_LABELS.items():
        series = {c.feature: c.values for c in ts.curves if c.metric == metric}
        if series:
            charts.append(Markup(_charts.line_chart(
                grid, series, xlabel="decision threshold", ylabel=label.lower(),
                title=f"{label} by threshold")))
    return charts


def context(result: AuditResult) -> dict[str, Any]:
    """Template variables for ``templates/sections/robustness.html.j2`` (charts as Markup).

    Examples
    --------
    >>> import pandas as pd
    >>> from audit import audit_predictions
    >>> log = pd.DataFrame({"y": [1, 0, 1, 0] * 50, "p": [.9, .4, .3, .2] * 50,
    ...                     "sex": list("FFMM") * 50})
    >>> result = audit_predictions(log, label="y", score="p", sensitive_features=["sex"])
    >>> context(result)["robustness_view"] is None  # no robustness audit on a prediction log
    True
    """
    section = getattr(result, "robustness", None)
    if section is None:
        return {"robustness_view": None}
    views = tables(section)
    charts = []
    if section.counterfactual:
        charts.append(_flip_chart([c.feature for c in section.counterfactual],
                                  [c.overall for c in section.counterfactual],
                                  "Counterfactual flip rate per sensitive feature"))
    if section.perturbations:
        charts.append(_flip_chart([p.feature for p in section.perturbations],
                                  [p.overall for p in section.perturbations],
                                  "Sensitivity ranking: flips per perturbed feature"))
    ts = section.threshold_sensitivity
    thresholds = None if ts is None else {"s": ts, "charts": _threshold_charts(ts),
                                          "rows": views["thresholds"]}
    return {"robustness_view": {"s": section, "charts": charts, **views,
                                "thresholds": thresholds}}
