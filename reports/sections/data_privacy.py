"""What the report's data privacy section needs: class-size and quasi-identifier charts
and plain rows for the tables (no HTML here; the template autoescapes every value)."""

from __future__ import annotations

import math
from typing import Any

from markupsafe import Markup

from audit.result import AuditResult
from reports import _charts


def _size_chart(anonymity) -> Markup:
    bins = anonymity.size_histogram
    return _charts.bar_chart(
        [b.label for b in bins], [b.n_rows for b in bins],
        highlighted=[b.high != -1 and b.high < anonymity.k_target for b in bins],
        xlabel="equivalence class size (rows sharing all quasi-identifier values)", ylabel="rows",
        title=f"Rows by class size (red: below k = {anonymity.k_target})")


def _qi_chart(section) -> Markup | None:
    qis = [c for c in section.columns if c.unique_share_without is not None]
    if not qis:
        return None
    return _charts.importance_chart(
        [c.column for c in qis], [c.unique_share_without for c in qis],
        [math.nan] * len(qis), [math.nan] * len(qis),
        xlabel="share of rows unique on the quasi-identifiers, without this column",
        title="What each quasi-identifier adds (leave one out)",
        reference=section.anonymity.unique_share, reference_label="unique share with all")


def context(result: AuditResult) -> dict[str, Any]:
    """Template variables for ``templates/_data_privacy.html.j2``.

    Examples
    --------
    >>> context(result)["data_privacy_view"] is None  # doctest: +SKIP
    True
    """
    section = getattr(result, "data_privacy", None)
    if section is None:
        return {"data_privacy_view": None}
    a = section.anonymity
    return {"data_privacy_view": {
        "s": section, "a": a, "g": section.generalisation,
        "size_chart": _size_chart(a) if a.n_rows else None,
        "qi_chart": _qi_chart(section),
        "columns": [c for c in section.columns if c.role != "other"],
        "other_columns": [c.column for c in section.columns if c.role == "other"],
        "changed_levels": ([lv for lv in section.generalisation.levels if lv.level > 0]
                           if section.generalisation else []),
    }}
