"""Markdown model card (Mitchell et al. 2019 headings) rendered from an AuditResult.

User strings are escaped for Markdown: ``<``/``>``/``&`` become entities (no raw HTML reaches a
renderer) and table cells escape ``|`` and newlines.
"""

from __future__ import annotations

import math
from pathlib import Path

import jinja2

from audit._io import atomic_write_text
from audit.result import AuditResult, display_copy

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=False,  # Markdown, not HTML: the `md` and `cell` filters escape instead
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def md(value: object) -> str:
    """Escape a user string for Markdown text."""
    text = str(value)
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        text = text.replace(char, entity)
    for char in ("\\", "`", "*", "_", "[", "]", "#", "$"):
        text = text.replace(char, "\\" + char)
    return text


def cell(value: object) -> str:
    """Escape a value for a Markdown table cell."""
    return md(value).replace("|", "\\|").replace("\n", " ")


def num(value: float | None, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "undefined"
    if isinstance(value, float) and math.isinf(value):
        return "∞"
    return f"{value:.{digits}f}"


_ENV.filters.update(md=md, cell=cell, num=num)


def render_model_card(result: AuditResult) -> str:
    """The model card as Markdown text."""
    result = display_copy(result)  # bidi/zero-width characters visible, long names cut
    return _ENV.get_template("model_card.md.j2").render(r=result, m=result.metadata)


def write_model_card(result: AuditResult, path: str | Path) -> Path:
    """Render and write the model card atomically."""
    return atomic_write_text(path, render_model_card(result))
