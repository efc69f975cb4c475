"""Report charts as Vega-Lite specifications, drawn by the reader's browser.

Each function returns an HTML fragment: a ``<div class="chart">`` holding the chart's Vega-Lite
specification in a ``<script type="application/json">`` block. ``reports/assets/charts.js``,
inlined once at the end of the report after the Vega bundle (:mod:`reports._vega`), draws every
such block as an SVG. Building a specification is a few dictionaries, so the report renders in a
fraction of a second instead of seconds of matplotlib layout; the charts get tooltips for free.

Every chart reads without hovering: axis titles, intervals drawn as bars, values written in cells.
User strings (group names, feature names, titles) travel only as JSON data, with ``<``, ``>`` and
``&`` escaped for the ``<script>`` block, and Vega draws them as SVG text, never as markup.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

#: Plot-area sizes in CSS pixels (axes, titles and legends come on top).
WIDTH = 380
ROW_HEIGHT = 20
#: One colour per series, in order (Tableau 10, as in the dashboard's Altair charts).
BLUE, GREY, RED, GREEN = "#4c78a8", "#5b6475", "#e45756", "#54a24b"


def _finite(value: Any) -> Any:
    """JSON-ready copy: NaN and infinities become ``null`` (Vega skips them), numpy scalars plain."""
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def chart_html(spec: dict[str, Any], *, label: str = "") -> Markup:
    """Wrap a Vega-Lite specification as the report's chart fragment.

    Parameters
    ----------
    spec : dict
        A Vega-Lite specification without ``$schema`` (the loader states the mode).
    label : str
        Accessible name of the chart (escaped here).
    """
    text = json.dumps(_finite(spec), allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup('<div class="chart" role="img" aria-label="{}">'
                  '<script type="application/json" class="rai-chart">{}</script></div>'
                  ).format(escape(label), Markup(text))


def _titled(spec: dict[str, Any], title: str, subtitle: str = "") -> dict[str, Any]:
    if title or subtitle:
        spec["title"] = {"text": title, **({"subtitle": subtitle} if subtitle else {})}
    return spec


def _rows_axis(field: str, title: str | None = None, domain: Sequence[str] | None = None) -> dict[str, Any]:
    """A nominal y axis that keeps the data's order (first row on top); an explicit ``domain``
    keeps rows whose values are all undefined."""
    axis: dict[str, Any] = {"field": field, "type": "nominal", "sort": None, "title": title}
    if domain is not None:
        axis["scale"] = {"domain": list(domain)}
    return axis


def _tooltip(*fields: tuple[str, str, str]) -> list[dict[str, Any]]:
    return [{"field": f, "type": t, "title": title, **({"format": ".4g"} if t == "quantitative" else {})}
            for f, t, title in fields]


def line_chart(x: Sequence[float], series: dict[str, Sequence[float]], *, xlabel: str,
               ylabel: str, title: str = "", width: float = WIDTH, height: float = 180,
               log_x: bool = False) -> Markup:
    """One line per series over a shared x axis, with points and a legend when there are several."""
    values = [{"x": xv, "series": name, "y": yv}
              for name, ys in series.items() for xv, yv in zip(x, ys)]
    color: dict[str, Any] = {"field": "series", "type": "nominal", "sort": None, "title": None}
    if len(series) <= 1:
        color["legend"] = None
    spec = {
        "width": width, "height": height, "data": {"values": values},
        "mark": {"type": "line", "point": True, "tooltip": True},
        "encoding": {
            "x": {"field": "x", "type": "quantitative", "title": xlabel,
                  **({"scale": {"type": "log"}} if log_x else {})},
            "y": {"field": "y", "type": "quantitative", "title": ylabel, "scale": {"zero": False}},
            "color": color,
            "tooltip": _tooltip(("series", "nominal", "series"), ("x", "quantitative", xlabel),
                                ("y", "quantitative", ylabel)),
        },
    }
    return chart_html(_titled(spec, title), label=title or ylabel)


def trend_chart(windows: Sequence[str], series: dict[str, tuple[Sequence[float], Sequence[float],
                                                                  Sequence[float]]], *,
                ylabel: str, title: str = "", limit: float | None = None,
                width: float = WIDTH, height: float = 180) -> Markup:
    """One line per series over time windows (in order), each point with its interval as a
    vertical bar; a dashed rule at ``limit``. ``series`` maps a name to (values, lows, highs)."""
    values = [{"window": w, "series": name, "y": v, "low": lo, "high": hi}
              for name, (vs, los, his) in series.items()
              for w, v, lo, hi in zip(windows, vs, los, his)]
    color: dict[str, Any] = {"field": "series", "type": "nominal", "sort": None, "title": None}
    if len(series) <= 1:
        color["legend"] = None
    x = {"field": "window", "type": "ordinal", "sort": list(windows), "title": None}
    tip = _tooltip(("series", "nominal", "series"), ("window", "nominal", "window"),
                   ("y", "quantitative", ylabel), ("low", "quantitative", "95% CI low"),
                   ("high", "quantitative", "95% CI high"))
    layers: list[dict[str, Any]] = [
        {"mark": {"type": "rule", "opacity": 0.5},
         "encoding": {"x": x, "y": {"field": "low", "type": "quantitative", "title": ylabel},
                      "y2": {"field": "high"}, "color": color}},
        {"mark": {"type": "line", "point": True, "tooltip": True},
         "encoding": {"x": x, "y": {"field": "y", "type": "quantitative", "title": ylabel,
                                    "scale": {"zero": False}},
                      "color": color, "tooltip": tip}},
    ]
    if limit is not None:
        layers.append({"data": {"values": [{"limit": limit}]},
                       "mark": {"type": "rule", "color": RED, "strokeDash": [4, 3]},
                       "encoding": {"y": {"field": "limit", "type": "quantitative"}}})
    spec = {"width": width, "height": height, "data": {"values": values}, "layer": layers}
    return chart_html(_titled(spec, title, "dashed: the limit" if limit is not None else ""),
                      label=title or ylabel)


def confusion_chart(tn: int, fp: int, fn: int, tp: int, *, positive: str, negative: str) -> Markup:
    """A 2x2 confusion matrix with counts and row shares written in each cell."""
    cells = []
    for truth, row in ((negative, (tn, fp)), (positive, (fn, tp))):
        total = max(sum(row), 1)
        for predicted, count in zip((negative, positive), row):
            cells.append({"truth": f"true {truth}", "predicted": f"pred. {predicted}", "count": count,
                          "share": count / total, "text": [f"{count:,}", f"{count / total:.1%}"]})
    spec = {
        "width": 220, "height": 160, "data": {"values": cells},
        "encoding": {"x": {"field": "predicted", "type": "nominal", "sort": None, "title": None,
                           "axis": {"labelAngle": 0, "orient": "top"}},
                     "y": _rows_axis("truth")},
        "layer": [
            {"mark": {"type": "rect", "tooltip": True},
             "encoding": {"color": {"field": "share", "type": "quantitative", "legend": None,
                                    "scale": {"scheme": "blues", "domain": [0, 1]}}}},
            {"mark": {"type": "text", "fontSize": 12},
             "encoding": {"text": {"field": "text"},
                          "color": {"condition": {"test": "datum.share > 0.6", "value": "white"},
                                    "value": "black"}}},
        ],
    }
    return chart_html(spec, label="confusion matrix")


def interval_chart(labels: Sequence[str], values: Sequence[float], lows: Sequence[float],
                   highs: Sequence[float], *, xlabel: str, title: str = "",
                   flagged: Sequence[bool] = (), reference: float | None = None) -> Markup:
    """One row per group: a dot at the value and a bar over its interval.

    Flagged rows (small groups) are drawn hollow and marked with ``*``; rows whose value is NaN
    say "(undefined)" and draw nothing.
    """
    flagged = list(flagged) or [False] * len(labels)
    rows = []
    for label, value, low, high, small in zip(labels, values, lows, highs, flagged):
        defined = value == value
        name = f"{label} *" if small else str(label)
        rows.append({"group": name if defined else f"{name} (undefined)", "value": value,
                     "low": low, "high": high, "filled": not small})
    y = _rows_axis("group", domain=[row["group"] for row in rows])
    tip = _tooltip(("group", "nominal", "group"), ("value", "quantitative", xlabel),
                   ("low", "quantitative", "95% CI low"), ("high", "quantitative", "95% CI high"))
    layers: list[dict[str, Any]] = [
        {"mark": {"type": "rule", "strokeWidth": 2, "opacity": 0.55, "color": BLUE},
         "encoding": {"y": y, "x": {"field": "low", "type": "quantitative", "title": xlabel,
                                    "scale": {"zero": False}},
                      "x2": {"field": "high"}}},
        {"mark": {"type": "point", "size": 50, "strokeWidth": 1.5, "color": BLUE, "tooltip": True},
         "encoding": {"y": y, "x": {"field": "value", "type": "quantitative", "title": xlabel},
                      "fill": {"condition": {"test": "datum.filled", "value": BLUE}, "value": "white"},
                      "tooltip": tip}},
    ]
    if reference is not None:
        layers.append({"data": {"values": [{"reference": reference}]},
                       "mark": {"type": "rule", "color": GREY, "strokeDash": [4, 3]},
                       "encoding": {"x": {"field": "reference", "type": "quantitative"}}})
    spec = {"width": WIDTH, "height": {"step": ROW_HEIGHT}, "data": {"values": rows}, "layer": layers}
    return chart_html(_titled(spec, title), label=title or xlabel)


def heatmap_chart(matrix, row_labels: Sequence[str], col_labels: Sequence[str], *,
                  annotations: Sequence[Sequence[str]], title: str = "",
                  colorbar_label: str = "", vmin: float = 0.0, vmax: float = 1.0) -> Markup:
    """A matrix of values with a text annotation per cell (NaN cells stay blank grey)."""
    cells = [{"row": str(r), "col": str(c), "value": float(matrix[i][j]), "text": annotations[i][j]}
             for i, r in enumerate(row_labels) for j, c in enumerate(col_labels)]
    middle = (vmin + vmax) / 2
    spec = {
        "data": {"values": cells},
        "width": {"step": 84}, "height": {"step": 38},
        "encoding": {"x": {"field": "col", "type": "nominal", "sort": None, "title": None,
                           "axis": {"labelAngle": -30}},
                     "y": _rows_axis("row")},
        "layer": [
            {"mark": {"type": "rect", "color": "#eeeeee"}},
            {"transform": [{"filter": "isValid(datum.value)"}],
             "mark": {"type": "rect", "tooltip": True},
             "encoding": {"color": {"field": "value", "type": "quantitative",
                                    "title": colorbar_label or None,
                                    "scale": {"scheme": "viridis", "domain": [vmin, vmax]}}}},
            {"mark": {"type": "text", "fontSize": 10, "lineBreak": "\n"},
             "encoding": {"text": {"field": "text"},
                          "color": {"condition": {"test": f"isValid(datum.value) && datum.value < {middle!r}",
                                                  "value": "white"}, "value": "black"}}},
        ],
    }
    return chart_html(_titled(spec, title), label=title or colorbar_label)


def reliability_chart(curves: dict[str, tuple[Sequence[float], Sequence[float]]], *,
                      title: str = "") -> Markup:
    """Reliability curves (mean predicted probability vs observed positive rate) per group."""
    values = [{"group": str(group), "predicted": p, "observed": o}
              for group, (predicted, observed) in curves.items() for p, o in zip(predicted, observed)]
    unit = {"type": "quantitative", "scale": {"domain": [0, 1]}}
    spec = {
        "width": 260, "height": 240,
        "layer": [
            {"data": {"values": [{"p": 0}, {"p": 1}]},
             "mark": {"type": "line", "color": GREY, "strokeDash": [4, 3]},
             "encoding": {"x": {"field": "p", **unit}, "y": {"field": "p", **unit}}},
            {"data": {"values": values},
             "mark": {"type": "line", "point": True, "tooltip": True},
             "encoding": {"x": {"field": "predicted", "title": "mean predicted probability", **unit},
                          "y": {"field": "observed", "title": "observed positive rate", **unit},
                          "color": {"field": "group", "type": "nominal", "sort": None, "title": None}}},
        ],
    }
    return chart_html(_titled(spec, title, "dashed: perfect calibration"), label=title or "calibration")


def tradeoff_chart(points: Sequence[tuple[str, float, float, float, float]], *, xlabel: str,
                   ylabel: str, title: str = "") -> Markup:
    """Before -> after segments in (accuracy, disparity) space, one per mitigation."""
    moves = [{"method": str(label), "x0": x0, "y0": y0, "x1": x1, "y1": y1}
             for label, x0, y0, x1, y1 in points]
    color = {"field": "method", "type": "nominal", "sort": None, "title": None}
    x = {"type": "quantitative", "title": xlabel, "scale": {"zero": False}}
    y = {"type": "quantitative", "title": ylabel, "scale": {"zero": False}}
    spec = {
        "width": WIDTH, "height": 240, "data": {"values": moves},
        "layer": [
            {"mark": {"type": "rule", "strokeWidth": 1.5, "opacity": 0.8},
             "encoding": {"x": {"field": "x0", **x}, "y": {"field": "y0", **y},
                          "x2": {"field": "x1"}, "y2": {"field": "y1"}, "color": color}},
            {"mark": {"type": "point", "shape": "circle", "color": GREY, "filled": True},
             "encoding": {"x": {"field": "x0", **x}, "y": {"field": "y0", **y}}},
            {"mark": {"type": "point", "shape": "square", "filled": True, "size": 60, "tooltip": True},
             "encoding": {"x": {"field": "x1", **x}, "y": {"field": "y1", **y}, "color": color}},
        ],
    }
    return chart_html(_titled(spec, title, "grey circle: before, square: after"), label=title or ylabel)


def importance_chart(features: Sequence[str], values: Sequence[float], lows: Sequence[float],
                     highs: Sequence[float], *, xlabel: str, title: str = "",
                     reference: float | None = None, reference_label: str = "") -> Markup:
    """Horizontal bars (first feature on top) with interval whiskers (NaN: none drawn), and an
    optional red reference line named in the subtitle."""
    rows = [{"feature": str(f), "value": v, "low": lo, "high": hi}
            for f, v, lo, hi in zip(features, values, lows, highs)]
    y = _rows_axis("feature")
    spec = {
        "width": WIDTH, "height": {"step": ROW_HEIGHT}, "data": {"values": rows},
        "layer": [
            {"mark": {"type": "bar", "color": BLUE, "tooltip": True},
             "encoding": {"y": y, "x": {"field": "value", "type": "quantitative", "title": xlabel},
                          "tooltip": _tooltip(("feature", "nominal", "feature"),
                                              ("value", "quantitative", xlabel),
                                              ("low", "quantitative", "95% CI low"),
                                              ("high", "quantitative", "95% CI high"))}},
        ],
    }
    if any(lo == lo and hi == hi for lo, hi in zip(lows, highs)):
        spec["layer"].append({"mark": {"type": "rule", "color": "#333333"},
                              "encoding": {"y": y, "x": {"field": "low", "type": "quantitative"},
                                           "x2": {"field": "high"}}})
    if reference is not None:
        spec["layer"].append({"data": {"values": [{"reference": reference}]},
                              "mark": {"type": "rule", "color": RED, "strokeWidth": 1.5},
                              "encoding": {"x": {"field": "reference", "type": "quantitative"}}})
    subtitle = f"red line: {reference_label}" if reference is not None and reference_label else ""
    return chart_html(_titled(spec, title, subtitle), label=title or xlabel)


def waterfall_chart(base: float, contributions: dict[str, float], *, xlabel: str,
                    title: str = "", top: int = 8) -> Markup:
    """Waterfall from the baseline output through the largest contributions to the output.

    Contributions beyond the ``top`` largest in magnitude are pooled as "other features".
    """
    items = sorted(contributions.items(), key=lambda kv: -abs(kv[1]))
    shown = items[:top]
    if len(items) > top:
        shown.append((f"{len(items) - top} other features", sum(v for _, v in items[top:])))
    steps = [{"step": "baseline", "start": 0.0, "end": base, "kind": "baseline", "change": base}]
    position = base
    for name, value in shown:
        steps.append({"step": str(name), "start": position, "end": position + value,
                      "kind": "lowers" if value < 0 else "raises", "change": value})
        position += value
    steps.append({"step": "output", "start": 0.0, "end": position, "kind": "output", "change": position})
    spec = {
        "width": WIDTH, "height": {"step": ROW_HEIGHT}, "data": {"values": steps},
        "layer": [
            {"mark": {"type": "bar", "tooltip": True},
             "encoding": {"y": _rows_axis("step"),
                          "x": {"field": "start", "type": "quantitative", "title": xlabel},
                          "x2": {"field": "end"},
                          "color": {"field": "kind", "type": "nominal", "title": None,
                                    "scale": {"domain": ["baseline", "raises", "lowers", "output"],
                                              "range": ["#999999", GREEN, RED, BLUE]}},
                          "tooltip": _tooltip(("step", "nominal", "step"),
                                              ("change", "quantitative", "contribution"),
                                              ("end", "quantitative", "running total"))}},
            {"data": {"values": [{"zero": 0}]}, "mark": {"type": "rule", "color": "#333333"},
             "encoding": {"x": {"field": "zero", "type": "quantitative"}}},
        ],
    }
    return chart_html(_titled(spec, title), label=title or xlabel)


def matrix_chart(matrix: Sequence[Sequence[float]], labels: Sequence[str], *, title: str = "",
                 vmin: float = -1.0, vmax: float = 1.0) -> Markup:
    """A square heat map with the value written in each cell (e.g. rank correlations)."""
    cells = [{"row": str(r), "col": str(c), "value": float(matrix[i][j])}
             for i, r in enumerate(labels) for j, c in enumerate(labels)]
    spec = {
        "data": {"values": cells}, "width": {"step": 44}, "height": {"step": 30},
        "encoding": {"x": {"field": "col", "type": "nominal", "sort": None, "title": None,
                           "axis": {"labelAngle": -45}},
                     "y": _rows_axis("row")},
        "layer": [
            {"mark": {"type": "rect", "tooltip": True},
             "encoding": {"color": {"field": "value", "type": "quantitative", "title": None,
                                    "scale": {"scheme": "redblue", "domain": [vmin, vmax]}}}},
            {"mark": {"type": "text", "fontSize": 10},
             "encoding": {"text": {"field": "value", "type": "quantitative", "format": ".2f"},
                          "color": {"condition": {"test": "abs(datum.value) > 0.7", "value": "white"},
                                    "value": "black"}}},
        ],
    }
    return chart_html(_titled(spec, title), label=title or "matrix")


def grouped_bar_chart(categories: Sequence[str], series: dict[str, Sequence[float]], *,
                      xlabel: str, title: str = "") -> Markup:
    """Horizontal bars of several series (e.g. groups) side by side for each category."""
    rows = [{"category": str(c), "series": str(name), "value": v}
            for name, values in series.items() for c, v in zip(categories, values)]
    spec = {
        "width": WIDTH, "height": {"step": 12 * max(len(series), 1) + 6}, "data": {"values": rows},
        "layer": [
            {"mark": {"type": "bar", "tooltip": True},
             "encoding": {"y": _rows_axis("category"),
                          "yOffset": {"field": "series", "type": "nominal", "sort": None},
                          "x": {"field": "value", "type": "quantitative", "title": xlabel},
                          "color": {"field": "series", "type": "nominal", "sort": None, "title": None}}},
            {"data": {"values": [{"zero": 0}]}, "mark": {"type": "rule", "color": "#333333"},
             "encoding": {"x": {"field": "zero", "type": "quantitative"}}},
        ],
    }
    return chart_html(_titled(spec, title), label=title or xlabel)


def box_chart(labels: Sequence[str], stats: Sequence[dict], *, xlabel: str, title: str = "",
              reference: float | None = None) -> Markup:
    """Horizontal box plots from precomputed five-number summaries (``whislo``, ``q1``, ``med``,
    ``q3``, ``whishi``), one row per label, first label on top."""
    rows = [{"label": str(label), **{k: s[k] for k in ("whislo", "q1", "med", "q3", "whishi")}}
            for label, s in zip(labels, stats)]
    y = _rows_axis("label")
    x = {"type": "quantitative", "title": xlabel, "scale": {"zero": False}}
    layers: list[dict[str, Any]] = [
        {"mark": {"type": "rule", "color": BLUE},
         "encoding": {"y": y, "x": {"field": "whislo", **x}, "x2": {"field": "whishi"}}},
        {"mark": {"type": "bar", "color": "#c6d4ec", "stroke": BLUE, "size": 12, "tooltip": True},
         "encoding": {"y": y, "x": {"field": "q1", **x}, "x2": {"field": "q3"},
                      "tooltip": _tooltip(("label", "nominal", "group"), ("whislo", "quantitative", "low whisker"),
                                          ("q1", "quantitative", "Q1"), ("med", "quantitative", "median"),
                                          ("q3", "quantitative", "Q3"), ("whishi", "quantitative", "high whisker"))}},
        {"mark": {"type": "tick", "color": BLUE, "thickness": 2, "size": 12},
         "encoding": {"y": y, "x": {"field": "med", **x}}},
    ]
    if reference is not None:
        layers.append({"data": {"values": [{"reference": reference}]},
                       "mark": {"type": "rule", "color": GREY, "strokeDash": [4, 3]},
                       "encoding": {"x": {"field": "reference", "type": "quantitative"}}})
    spec = {"width": WIDTH, "height": {"step": ROW_HEIGHT + 4}, "data": {"values": rows}, "layer": layers}
    return chart_html(_titled(spec, title), label=title or xlabel)


def bar_chart(labels: Sequence[str], values: Sequence[float], *, xlabel: str, ylabel: str,
              title: str = "", highlighted: Sequence[bool] = ()) -> Markup:
    """Vertical bars in the given order; highlighted bars are red (e.g. classes below k)."""
    highlighted = list(highlighted) or [False] * len(labels)
    rows = [{"label": str(label), "value": v, "highlighted": h}
            for label, v, h in zip(labels, values, highlighted)]
    spec = {
        "width": WIDTH, "height": 180, "data": {"values": rows},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {"x": {"field": "label", "type": "nominal", "sort": None, "title": xlabel,
                           "axis": {"labelAngle": 0}},
                     "y": {"field": "value", "type": "quantitative", "title": ylabel},
                     "color": {"condition": {"test": "datum.highlighted", "value": RED}, "value": BLUE}},
    }
    return chart_html(_titled(spec, title), label=title or ylabel)


def side_by_side(charts: Sequence[Markup]) -> Markup:
    """Several charts as one figure (one row of panels)."""
    return Markup('<div class="chart-row">{}</div>').format(Markup("").join(charts))
