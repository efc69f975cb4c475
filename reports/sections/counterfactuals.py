"""The counterfactual section's view model: charts for the report and tables (:class:`Table`)
read by the report's template and the dashboard page alike (no HTML here)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from audit.result import AuditResult
from reports import _charts
from reports.table import Table

#: Features shown in the change-rate charts.
TOP_FEATURES = 8


GROUP_COLUMNS = {"group": "group", "n_negative": "negative decisions", "small": "small",
                 "share_flippable": "with recourse", "share_flippable_interval": "with recourse CI",
                 "mean_cost": "mean cost", "mean_cost_interval": "mean cost CI",
                 "median_cost": "median cost", "mean_n_changed": "features changed"}


def group_table(section, feature: str) -> Table:
    """Recourse of each group of one sensitive feature: share with recourse and its cost."""
    return Table([g for g in section.groups if g.sensitive_feature == feature], GROUP_COLUMNS)


def tables(section) -> dict[str, Table]:
    """Recourse by group, one table per sensitive feature (``groups:<feature>``)."""
    return {f"groups:{f}": group_table(section, f)
            for f in dict.fromkeys(g.sensitive_feature for g in section.groups)}


def context(result: AuditResult) -> dict[str, Any]:
    """Template variables for `templates/sections/counterfactuals.html.j2` (charts as Markup).

    Examples
    --------
    >>> import pandas as pd
    >>> from audit import audit_predictions
    >>> log = pd.DataFrame({"y": [1, 0, 1, 0] * 50, "p": [.9, .4, .3, .2] * 50,
    ...                     "sex": list("FFMM") * 50})
    >>> result = audit_predictions(log, label="y", score="p", sensitive_features=["sex"])
    >>> context(result)["cf"] is None  # a prediction log has no model to search
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
    by_feature = {f: group_table(section, f)
                  for f in dict.fromkeys(g.sensitive_feature for g in section.groups)}
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
