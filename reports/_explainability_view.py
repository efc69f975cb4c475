"""What the report's explainability section needs from the result: charts and tables (no HTML here)."""

from __future__ import annotations

from typing import Any

from audit.result import AuditResult


def context(result: AuditResult) -> dict[str, Any]:
    """Template variables for `templates/_explainability.html.j2` (charts as SVG Markup)."""
    return {}
