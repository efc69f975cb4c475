"""The explainability section's view model: charts for the report and tables (:class:`Table`)
read by the report's template and the dashboard page alike (no HTML here)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from audit.result import AuditResult
from reports import _charts
from reports.table import Table

#: Features shown in per-row waterfalls and group comparisons.
TOP_FEATURES = 8
#: Detail key the training callback writes (audit.explain._callback.DETAIL_KEY).
HISTORY_KEY = "explain/global_importance"


def _history_chart(result: AuditResult, features: list[str]) -> Markup | None:
    records = [r for r in result.history if HISTORY_KEY in r.details]
    if len(records) < 1:
        return None
    series = {f: [float(r.details[HISTORY_KEY].get(f, float("nan"))) for r in records]
              for f in features}
    return Markup(_charts.line_chart([r.epoch for r in records], series, xlabel="epoch",
                                     ylabel="mean |attribution|",
                                     title="Global importance during training (top features)"))


IMPORTANCE_COLUMNS = {"feature": "feature", "importance": "importance", "interval": "95% CI",
                      "mean_attribution": "mean signed"}
CHECK_COLUMNS = {"method": "method", "check": "check", "value": "value",
                 "threshold": "threshold", "status": "status", "detail": "detail"}
PROXY_COLUMNS = {"feature": "feature", "sensitive_feature": "sensitive feature",
                 "association": "association", "measure_label": "measure",
                 "importance": "importance", "importance_rank": "rank",
                 "flagged": "possible proxy", "is_same_column": "itself"}
MEASURE_LABELS = {"cramers_v": "Cramér's V", "correlation_ratio": "correlation ratio (eta)"}


def importance_table(method) -> Table:
    """Global importance of one method's features, most important first."""
    return Table(method.features, IMPORTANCE_COLUMNS)


def checks_table(section) -> Table:
    """Every trust check of every method."""
    return Table(section.checks, CHECK_COLUMNS)


def proxy_table(section) -> Table:
    """Feature-sensitive associations, flagged proxies first, then by association."""
    proxies = sorted(section.proxies, key=lambda p: (not p.flagged, p.is_same_column,
                                                      -p.association))
    return Table([{"feature": p.feature, "sensitive_feature": p.sensitive_feature,
                   "association": p.association, "measure": p.measure,
                   "measure_label": MEASURE_LABELS.get(p.measure, p.measure),
                   "importance": p.importance, "importance_rank": p.importance_rank,
                   "flagged": p.flagged, "is_same_column": p.is_same_column} for p in proxies],
                 PROXY_COLUMNS)


def tables(section) -> dict[str, Table]:
    """The section's tables: ``importance:<method>`` (one per method), ``checks``, ``proxies``."""
    return {**{f"importance:{m.method}": importance_table(m) for m in section.methods},
            "checks": checks_table(section), "proxies": proxy_table(section)}


def context(result: AuditResult) -> dict[str, Any]:
    """Template variables for `templates/sections/explainability.html.j2` (charts as Markup).

    Examples
    --------
    >>> import pandas as pd
    >>> from audit import audit_predictions
    >>> log = pd.DataFrame({"y": [1, 0, 1, 0] * 50, "p": [.9, .4, .3, .2] * 50,
    ...                     "sex": list("FFMM") * 50})
    >>> result = audit_predictions(log, label="y", score="p", sensitive_features=["sex"])
    >>> context(result)["explain"] is None  # a prediction log has no attributions
    True
    """
    section = getattr(result, "explainability", None)
    if section is None or not section.methods:
        return {"explain": section, "explain_view": None}
    by_name = {m.method: m for m in section.methods}
    primary = by_name.get(section.primary_method, section.methods[0])
    unit = section.output
    importance_chart = Markup(_charts.importance_chart(
        [f.feature for f in primary.features], [f.importance for f in primary.features],
        [f.interval.low for f in primary.features], [f.interval.high for f in primary.features],
        xlabel=f"mean |attribution| ({unit})",
        title=f"Global importance: {primary.label}"))
    top = [f.feature for f in primary.features[:TOP_FEATURES]]

    rows = []
    for row in section.rows:
        rows.append({
            "row": row,
            "chart": Markup(_charts.waterfall_chart(
                row.baseline_output, row.contributions, xlabel=unit,
                title=f"Row {row.row} ({row.kind}): p = {row.probability:.3f}",
                top=TOP_FEATURES)),
            "top": list(row.contributions.items())[:TOP_FEATURES],
        })

    groups: dict[str, list] = {}
    for g in section.groups:
        groups.setdefault(g.sensitive_feature, []).append(g)
    group_views = []
    for sensitive, items in groups.items():
        series = {f"{g.group} (n={g.n}{', small' if g.small else ''})":
                  [g.mean_attribution.get(f, 0.0) for f in top] for g in items}
        group_views.append({
            "sensitive": sensitive, "groups": items, "features": top,
            "chart": Markup(_charts.grouped_bar_chart(
                top, series, xlabel=f"mean attribution ({unit})",
                title=f"Mean attribution by {sensitive} group")),
        })

    proxies = proxy_table(section)
    agreement_chart = None
    if section.agreement is not None and len(section.agreement.methods) > 1:
        agreement_chart = Markup(_charts.matrix_chart(
            section.agreement.spearman, list(section.agreement.methods),
            title=f"Spearman rho of global importance ({section.agreement.n_rows} shared rows)"))
    return {
        "explain": section,
        "explain_view": {
            "primary": primary,
            "importance_chart": importance_chart,
            "methods": section.methods,
            "rows": rows,
            "groups": group_views,
            "proxies": proxies,
            "flagged_proxies": [p for p in proxies if p["flagged"]],
            "checks": checks_table(section),
            "importance": importance_table(primary),
            "n_warn": sum(c.status == "warn" for c in section.checks),
            "agreement_chart": agreement_chart,
            "history_chart": _history_chart(result, top[:5]),
        },
    }
