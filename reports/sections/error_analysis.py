"""The error-analysis section's view model: cohort tables (:class:`Table`, read by the report's
template and the dashboard page alike), the tree, the chart (no HTML)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from audit.result import AuditResult, Cohort, MetricAnalysis, TreeNode
from reports import _charts
from reports.table import Table

#: Cohorts listed per metric in the report (the result and the dashboard keep more).
TOP_COHORTS = 15
#: Cohorts drawn in the interval chart.
CHART_COHORTS = 10


def _pct(v: float) -> str:
    return "undefined" if v != v else f"{100 * v:.1f}%"


def _ci(interval) -> str:
    return "" if interval is None else f"[{_pct(interval.low)}, {_pct(interval.high)}]"


def cohort_row(rank: int, c: Cohort) -> dict[str, Any]:
    """One table row of display strings (escaped by the template)."""
    diff_ci = ("" if c.difference_interval is None else
               f"[{100 * c.difference_interval.low:+.1f}, {100 * c.difference_interval.high:+.1f}]")
    return {
        "rank": rank, "text": c.text, "size": f"{c.size:,}", "share": _pct(c.share),
        "metric_rows": f"{c.metric_rows:,}", "value": _pct(c.value),
        "interval": _ci(c.interval), "wilson": _ci(c.wilson), "rest": _pct(c.rest_value),
        "difference": "undefined" if c.difference != c.difference else f"{100 * c.difference:+.1f} pts",
        "difference_interval": diff_ci,
        "ratio": "undefined" if c.ratio != c.ratio else f"{c.ratio:.2f}x",
        "p": f"{c.p_value:.2g}", "q": f"{c.q_value:.2g}", "significant": c.significant,
        "sensitive": c.uses_sensitive,
    }


COHORT_COLUMNS = {"rank": "#", "text": "cohort", "size": "rows", "share": "share",
                  "metric_rows": "rows in rate", "value": "value", "interval": "95% CI",
                  "rest": "rest", "difference": "difference", "difference_interval": "difference CI",
                  "ratio": "ratio", "p": "p", "q": "q", "significant": "significant",
                  "sensitive": "sensitive"}


def cohort_table(cohorts) -> Table:
    """Ranked cohorts (1 = largest effect) as one table."""
    return Table([cohort_row(i, c) for i, c in enumerate(cohorts, 1)], COHORT_COLUMNS)


def tables(section) -> dict[str, Table]:
    """Every stored cohort of each metric (``cohorts:<metric>``) and its tree's leaves
    (``leaves:<metric>``); the report lists the first :data:`TOP_COHORTS`."""
    views = {}
    for a in section.analyses:
        views[f"cohorts:{a.metric}"] = cohort_table(a.cohorts)
        views[f"leaves:{a.metric}"] = cohort_table(a.leaves)
    return views


def tree_view(nodes: tuple[TreeNode, ...], overall: float, highest: bool) -> list[dict[str, Any]]:
    """The tree as nested dicts (root first) for a recursive template loop."""
    by_id = {n.node_id: n for n in nodes}

    def build(node: TreeNode) -> dict[str, Any]:
        worse = node.value == node.value and (node.value > overall if highest else node.value < overall)
        return {"condition": node.condition or "all rows", "size": f"{node.size:,}",
                "value": _pct(node.value), "wilson": _ci(node.wilson), "leaf": node.is_leaf,
                "worse": worse, "children": [build(by_id[c]) for c in node.children]}

    return [build(nodes[0])] if nodes else []


def _analysis_view(a: MetricAnalysis, highest: bool) -> dict[str, Any]:
    shown = a.cohorts[:CHART_COHORTS]
    chart = None
    if shown:
        chart = Markup(_charts.interval_chart(
            [f"{i}. {c.text}" for i, c in enumerate(shown, 1)], [c.value for c in shown],
            [c.interval.low if c.interval else float("nan") for c in shown],
            [c.interval.high if c.interval else float("nan") for c in shown],
            xlabel=a.metric.replace("_", " "), reference=a.overall_value,
            flagged=[not c.significant for c in shown],
            title=f"Top cohorts by {a.metric.replace('_', ' ')} (dashed: all rows)"))
    return {
        "metric": a.metric, "label": a.metric.replace("_", " "),
        "overall": _pct(a.overall_value), "overall_ci": _ci(a.overall_wilson),
        "n_tested": f"{a.n_slices_tested:,}", "n_significant": f"{a.n_significant:,}",
        "cohorts": cohort_table(a.cohorts[:TOP_COHORTS]),
        "n_cohorts": len(a.cohorts),
        "leaves": cohort_table(a.leaves),
        "tree": tree_view(a.tree_nodes, a.overall_value, highest),
        "chart": chart,
    }


def context(result: AuditResult) -> dict[str, Any]:
    """Template variables for `templates/sections/error_analysis.html.j2`.

    Examples
    --------
    >>> import pandas as pd
    >>> from audit import audit_predictions
    >>> log = pd.DataFrame({"y": [1, 0, 1, 0] * 50, "p": [.9, .4, .3, .2] * 50,
    ...                     "sex": list("FFMM") * 50})
    >>> result = audit_predictions(log, label="y", score="p", sensitive_features=["sex"])
    >>> view = context(result)["ea_view"]
    >>> [(a["metric"], a["overall"]) for a in view["analyses"]]
    [('error_rate', '25.0%'), ('false_positive_rate', '0.0%'), ('false_negative_rate', '50.0%')]
    """
    section = getattr(result, "error_analysis", None)
    if section is None or not section.analyses:
        return {"ea_view": None}
    s = section.settings
    highest = s.direction == "highest"
    return {"ea_view": {
        "s": section, "settings": s, "analyses": [_analysis_view(a, highest) for a in section.analyses],
        "bins": [(k, ", ".join(v)) for k, v in section.bins.items()],
        "reading": section.reading, "notes": section.notes,
    }}
