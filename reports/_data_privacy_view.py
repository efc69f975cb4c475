"""What the report's data privacy section needs: class-size and quasi-identifier charts (SVG)
and plain rows for the tables (no HTML here; the template autoescapes every value)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from audit.result import AuditResult
from reports._charts import figure_to_svg, plt


def _size_chart(anonymity) -> Markup:
    bins = anonymity.size_histogram
    fig, ax = plt.subplots(figsize=(5.2, 2.6))
    colours = ["#c0392b" if (b.high != -1 and b.high < anonymity.k_target) else "#2c7fb8" for b in bins]
    ax.bar([b.label for b in bins], [b.n_rows for b in bins], color=colours)
    ax.set_xlabel("equivalence class size (rows sharing all quasi-identifier values)")
    ax.set_ylabel("rows")
    ax.set_title(f"Rows by class size (red: below k = {anonymity.k_target})", loc="left", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    return Markup(figure_to_svg(fig))


def _qi_chart(section) -> Markup | None:
    qis = [c for c in section.columns if c.unique_share_without is not None]
    if not qis:
        return None
    fig, ax = plt.subplots(figsize=(5.2, 0.28 * len(qis) + 1.0))
    labels = [c.column for c in qis][::-1]
    ax.barh(labels, [c.unique_share_without for c in qis][::-1], color="#2c7fb8",
            label="unique share without this column")
    ax.axvline(section.anonymity.unique_share, color="#c0392b", linewidth=1,
               label="unique share with all")
    ax.set_xlabel("share of rows unique on the quasi-identifiers")
    ax.set_title("What each quasi-identifier adds (leave one out)", loc="left", fontsize=10)
    ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(axis="x", alpha=0.3)
    return Markup(figure_to_svg(fig))


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
