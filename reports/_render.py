"""Render an :class:`~audit.result.AuditResult` to one self-contained HTML file.

Jinja2 with autoescape on. The only fragments marked safe are the chart blocks made by
:mod:`reports._charts` (Vega-Lite JSON with ``<``, ``>`` and ``&`` escaped), the inlined CSS and
the inlined JavaScript (the Vega bundle of :mod:`reports._vega` and ``assets/charts.js``). Other data
embedded in ``<script>`` goes through :func:`json_for_script`, which escapes the same characters.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from audit._io import atomic_write_text
from audit.core import registered_audits
from audit.result import AuditResult, display_copy
from reports import _governance, _quality_view
from reports._vega import vega_bundle

_HERE = Path(__file__).parent
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(_HERE / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def json_for_script(value: Any) -> Markup:
    """JSON safe to place inside ``<script>``: ``<``, ``>`` and ``&`` become unicode escapes."""
    text = json.dumps(value, allow_nan=False, default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def _fmt(value: Any, digits: int = 4) -> str:
    if isinstance(value, float):
        if value != value:
            return "undefined"
        if value in (float("inf"), float("-inf")):
            return "∞" if value > 0 else "-∞"
        return f"{value:.{digits}f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


_ENV.filters["fmt"] = _fmt
_ENV.globals["inf"] = float("inf")
_ENV.filters["pct"] = lambda v, d=1: "undefined" if v != v else f"{100 * v:.{d}f}%"


#: Views of the report's own parts (every audit's view is found by its slug, see below).
CORE_VIEWS = (_governance, _quality_view)
GENERIC_TEMPLATE = "sections/_generic.html.j2"


def section_view(slug: str) -> Any:
    """The view module ``reports.sections.<slug>`` of an audit (None when it has none): its
    ``context(result)`` gives the variables of ``templates/sections/<slug>.html.j2``."""
    if importlib.util.find_spec(f"reports.sections.{slug}") is None:
        return None
    return importlib.import_module(f"reports.sections.{slug}")


def section_template(slug: str) -> str:
    """The template of an audit's section: its own, else the generic one (every field listed)."""
    own = f"sections/{slug}.html.j2"
    return own if (_HERE / "templates" / own).is_file() else GENERIC_TEMPLATE


def audit_sections(result: AuditResult) -> list[dict[str, Any]]:
    """One entry per registered audit, in run order: slug, title, template, its record, and
    the generic view's rows (for audits without a template of their own)."""
    entries = []
    for a in registered_audits():
        record = result.record(a.slug)
        template = section_template(a.slug)
        rows = (appendix_rows(record.section) if template == GENERIC_TEMPLATE and record is not None
                and record.section is not None else [])
        entries.append({"slug": a.slug, "title": a.title, "template": template, "record": record,
                        "rows": rows})
    return entries

#: Raw curves and per-epoch copies: kept in result.json, drawn as charts, not listed here.
APPENDIX_SKIPPED_KEYS = frozenset({"details", "histogram", "reliability", "roc", "architecture",
                                   "card",
                                   "cohorts", "leaves", "tree_nodes",  # error analysis: tabled
                                   "row_examples"})  # counterfactuals: shown row by row


def _flatten(prefix: str, value: Any, rows: list[tuple[str, str]]) -> None:
    if is_dataclass(value):
        value = asdict(value)
    if isinstance(value, dict):
        for key, item in value.items():
            if key in APPENDIX_SKIPPED_KEYS:
                continue
            _flatten(f"{prefix}.{key}" if prefix else str(key), item, rows)
    elif isinstance(value, (list, tuple)) and value and isinstance(value[0], (dict,)) or (
            isinstance(value, (list, tuple)) and value and is_dataclass(value[0])):
        for i, item in enumerate(value):
            _flatten(f"{prefix}[{i}]", item, rows)
    else:
        rows.append((prefix, _fmt(value) if not isinstance(value, (list, tuple)) else
                     ", ".join(map(_fmt, value))))


def appendix_rows(result: Any) -> list[tuple[str, str]]:
    """Every number and field of the result (or of one section) as (path, value) rows, for the
    appendix table (raw curves, histograms and per-epoch copies excepted: see
    ``APPENDIX_SKIPPED_KEYS``)."""
    rows: list[tuple[str, str]] = []
    _flatten("", asdict(result), rows)
    return rows


def render_report(result: AuditResult) -> str:
    """The report as one HTML string (no external resources).

    Examples
    --------
    >>> import pandas as pd
    >>> from audit import audit_predictions
    >>> log = pd.DataFrame({"y": [1, 0, 1, 0] * 50, "p": [.9, .4, .3, .2] * 50,
    ...                     "sex": list("FFMM") * 50})
    >>> result = audit_predictions(log, label="y", score="p", sensitive_features=["sex"])
    >>> html = render_report(result)
    >>> html.startswith("<!DOCTYPE html>"), "<html" in html
    (True, True)
    """
    result = display_copy(result)  # bidi/zero-width characters visible, long names cut
    template = _ENV.get_template("report.html.j2")
    sections: dict[str, Any] = {}
    for a in registered_audits():
        view = section_view(a.slug)
        if view is not None:
            sections.update(view.context(result))
    for view in CORE_VIEWS:
        sections.update(view.context(result))
    return template.render(
        **sections, audit_sections=audit_sections(result),
        r=result, m=result.metadata, q=result.quality,
        css=Markup((_HERE / "assets" / "report.css").read_text()),
        vega_js=Markup(vega_bundle()),
        charts_js=Markup((_HERE / "assets" / "charts.js").read_text()),
        appendix=appendix_rows(result),
        embedded=json_for_script({"schema_version": result.schema_version,
                                  "run_name": result.metadata.run_name}),
    )


def write_report(result: AuditResult, path: str | Path) -> Path:
    """Render and write the report atomically to ``path``; returns the path."""
    return atomic_write_text(path, render_report(result))
