"""The data-privacy section's view model: class-size and quasi-identifier charts for the report,
and tables (:class:`Table`) read by the report's template and the dashboard page alike (no
HTML here; the template autoescapes every value)."""

from __future__ import annotations

import math
from typing import Any

from markupsafe import Markup

from audit.result import AuditResult
from reports import _charts
from reports.table import Table


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


def tables(section) -> dict[str, Table]:
    """The section's tables: ``columns`` (every column with a role), ``combinations``,
    ``levels`` (the generalisation's), ``smallest`` (most exposed classes), ``text``."""
    a, g = section.anonymity, section.generalisation
    columns = Table([{"column": c.column, "role": c.role, "distinct": c.distinct,
                      "unique_share": c.unique_share, "unique_share_without": c.unique_share_without,
                      "unique_share_with": c.unique_share_with}
                     for c in section.columns if c.role != "other"],
                    {"column": "column", "role": "role", "distinct": "distinct",
                     "unique_share": "unique alone",
                     "unique_share_without": "QI unique share without it",
                     "unique_share_with": "QI unique share with it"})
    combinations = Table([{"columns": c.columns, "columns_text": " x ".join(c.columns),
                           "n_classes": c.n_classes, "unique_share": c.unique_share, "k": c.k}
                          for c in section.combinations],
                         {"columns_text": "columns", "n_classes": "classes",
                          "unique_share": "unique share", "k": "k"})
    levels = Table([] if g is None else
                   [{"column": lv.column, "level": lv.level, "n_levels": lv.n_levels,
                     "level_text": f"{lv.level} / {lv.n_levels - 1}", "description": lv.description}
                    for lv in g.levels],
                   {"column": "quasi-identifier", "level_text": "level",
                    "description": "generalised to"})
    # user column names are prefixed so that none can shadow a key of ours
    smallest_columns = {f"qi:{q}": q for q in a.quasi_identifiers} | {"size": "rows"}
    if a.sensitive:
        smallest_columns["sensitive_distinct"] = f"distinct {a.sensitive}"
    smallest = Table([{**{f"qi:{q}": v for q, v in e.values.items()}, "qi_values": e.values, "size": e.size,
                       "sensitive_distinct": e.sensitive_distinct} for e in a.smallest],
                     smallest_columns)
    kinds = list(section.text[0].counts) if section.text else []
    text = Table([{"column": t.column, "rows_with_pii": t.rows_with_pii, "n_rows": t.n_rows,
                   "counts": t.counts, **{f"kind:{k}": n for k, n in t.counts.items()}}
                  for t in section.text],
                 {"column": "column", "rows_with_pii": "rows with personal data",
                  "n_rows": "rows", **{f"kind:{k}": k for k in kinds}})
    return {"columns": columns, "combinations": combinations, "levels": levels,
            "smallest": smallest, "text": text}


def context(result: AuditResult) -> dict[str, Any]:
    """Template variables for ``templates/sections/data_privacy.html.j2``.

    Examples
    --------
    >>> import pandas as pd
    >>> from audit import audit_predictions
    >>> log = pd.DataFrame({"y": [1, 0, 1, 0] * 50, "p": [.9, .4, .3, .2] * 50,
    ...                     "sex": list("FFMM") * 50})
    >>> result = audit_predictions(log, label="y", score="p", sensitive_features=["sex"])
    >>> context(result)["data_privacy_view"] is None  # no quasi-identifiers were given
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
        **tables(section),
        "other_columns": [c.column for c in section.columns if c.role == "other"],
        "changed_levels": ([lv for lv in section.generalisation.levels if lv.level > 0]
                           if section.generalisation else []),
    }}
