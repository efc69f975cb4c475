"""What the report's counterfactual section needs from the result: charts and tables (no HTML here)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from audit.result import AuditResult
from reports import _charts

#: Features shown in the change-rate charts.
TOP_FEATURES = 8


def context(result: AuditResult) -> dict[str, Any]:
    """Template variables for `templates/_counterfactuals.html.j2` (charts as Markup).

    Examples
    --------
    >>> context(result)["cf"] is None  # doctest: +SKIP
    True
    """
    section = getattr(result, "counterfactuals", None)
    if section is None:
        return {"cf": None, "cf_view": None}
    rates = sorted(section.change_rates.items(), key=lambda kv: -kv[1])
    top = [f for f, r in rates[:TOP_FEATURES] if r > 0]
    rate_chart = None
    if top:
        rate_chart = Markup(_charts.importance_chart(
            top, [section.change_rates[f] for f in top], [section.change_rates[f] for f in top],
            [section.change_rates[f] for f in top], xlabel="share of cheapest counterfactuals",
            title="Features that most often need to change"))
    by_feature: dict[str, list] = {}
    for g in section.groups:
        by_feature.setdefault(g.sensitive_feature, []).append(g)
    gaps = {(g.sensitive_feature, g.measure): g for g in section.gaps}
    groups = []
    for feature, items in by_feature.items():
        labels = [f"{g.group} (n={g.n_negative:,})" for g in items]
        cost_chart = Markup(_charts.interval_chart(
            labels, [g.mean_cost for g in items], [g.mean_cost_interval.low for g in items],
            [g.mean_cost_interval.high for g in items], flagged=[g.small for g in items],
            xlabel=f"mean cost of the cheapest counterfactual ({section.cost_metric})",
            title=f"Recourse cost by {feature} group"))
        series = {f"{g.group}{' (small)' if g.small else ''}":
                  [g.change_rates.get(f, 0.0) for f in top] for g in items}
        change_chart = Markup(_charts.grouped_bar_chart(
            top, series, xlabel="share of cheapest counterfactuals changing the feature",
            title=f"What must change, by {feature} group")) if top else None
        groups.append({"feature": feature, "groups": items, "cost_chart": cost_chart,
                       "change_chart": change_chart, "top": top[:4],
                       "cost_gap": gaps.get((feature, "mean_cost")),
                       "share_gap": gaps.get((feature, "share_flippable"))})
    rows = [{"row": r, "kind": "negative decision" if r.decision == 0 else "positive decision"}
            for r in section.row_examples]
    return {
        "cf": section,
        "cf_view": {"rates": rates, "rate_chart": rate_chart, "groups": groups, "rows": rows,
                    "not_found": [r for r in section.row_examples if not r.counterfactuals]},
    }
