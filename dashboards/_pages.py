"""Dashboard pages of the registered audits: each audit's own ``pages/<slug>.py``, or a
generic page listing its section's fields."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from audit.core import registered_audits
from dashboards._state import section_or_stop


def generic_page(slug: str, title: str) -> None:
    """The page of an audit without a page of its own: every field of its section."""
    from reports import appendix_rows

    st.header(title)
    _, section = section_or_stop(slug, f"The {title.lower()} audit was not run for this result "
                                       f"(enable `audits.{slug}` in the config).")
    st.caption("Every field of this audit's section (it has no page of its own yet).")
    st.dataframe(pd.DataFrame(appendix_rows(section), columns=["field", "value"]),
                 hide_index=True, width="stretch")


def audit_pages(folder: Path) -> list:
    """``st.Page`` objects for every registered audit, in run order, url path = slug."""
    pages = []
    for a in registered_audits():
        own = folder / f"{a.slug}.py"
        if own.is_file():
            pages.append(st.Page(own, title=a.title, url_path=a.slug))
        else:
            def show(slug: str = a.slug, title: str = a.title) -> None:
                generic_page(slug, title)
            show.__name__ = f"page_{a.slug}"
            pages.append(st.Page(show, title=a.title, url_path=a.slug))
    return pages


__all__ = ["audit_pages", "generic_page"]
