"""Streamlit entry point of the rai-audit dashboard.

Start it with ``rai-audit dashboard PATH``, or ``streamlit run dashboards/app.py -- --results PATH``.
``PATH`` is a ``result.json`` or a folder searched for ``result.json`` files. Where the app
looks, first match wins:

1. ``--results PATH`` after ``--`` on the streamlit command line;
2. the environment variable ``RAI_AUDIT_RESULTS`` (for ``streamlit.testing.v1.AppTest``,
   which cannot pass arguments, and for containers);
3. ``reports/out`` in the working folder (where ``make demo`` writes).

In the sidebar a user can type another file or folder, or upload a ``result.json`` (JSON only,
never pickles). A malformed, truncated or future-version file is reported in the app with what
was expected and how to fix it, never as a traceback. Pages read the loaded
:class:`~audit.result.AuditResult` from ``st.session_state["result"]`` (``None`` when none).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboards._pages import audit_pages
from dashboards._state import (
    DEFAULT_FOLDER,
    cached_result_files,
    describe,
    load_for_display,
    load_upload,
    md_escape,
    results_location,
)

PAGES = Path(__file__).with_name("pages")

st.set_page_config(page_title="rai-audit dashboard", layout="wide")


def choose_result() -> None:
    """Sidebar: pick a result from --results / $RAI_AUDIT_RESULTS, a typed path, or an upload."""
    default = results_location()
    st.sidebar.header("Result")
    folder = st.sidebar.text_input(
        "Results file or folder", value=str(default) if default else DEFAULT_FOLDER,
        help="A result.json, or a folder searched for result.json files "
             "(written by `rai-audit run`).")
    root = Path(folder.strip()).expanduser() if folder.strip() else None
    files = cached_result_files(str(root)) if root is not None else []
    upload = st.sidebar.file_uploader("...or upload a result.json", type=["json"])
    loaded = None
    if upload is not None:
        loaded = load_upload(upload.getvalue(), upload.name)
    elif files:
        choice = st.sidebar.selectbox("Result", files, format_func=lambda p: describe(p, root))
        loaded = load_for_display(choice)
    elif root is not None:
        st.sidebar.warning(f"No result.json found at {md_escape(folder)}. Create one with "
                           "`rai-audit run sample_models/census_income/audit.yaml`.")
    if isinstance(loaded, str):
        st.sidebar.error("This result cannot be opened (details on the page).")
        st.error(f"Could not open the result. {md_escape(loaded)}")
        loaded = None
    elif loaded is not None:
        m = loaded.metadata
        st.sidebar.caption(f"Showing **{md_escape(m.run_name)}**, created {md_escape(m.created_at)}.")
        if loaded.content_check == "edited":
            st.sidebar.warning("Edited after rai-audit wrote it: the content hash does not match.")
    st.session_state["result"] = loaded
    st.session_state["result_files"] = files


# st.navigation comes first and the shared sidebar after it: widgets drawn before
# st.navigation lose their value on every rerun (streamlit 1.67), so a typed path or a chosen
# result would snap back (tests/regression/test_dashboard_sidebar_state.py).
# One page per registered audit (its own ``pages/<slug>.py``, else the generic page), between
# the pages every result has. expanded=True: with more than 10 pages streamlit would otherwise
# hide the last ones behind "View more".
navigation = st.navigation([
    st.Page(PAGES / "overview.py", title="Overview", default=True),
    st.Page(PAGES / "training.py", title="Training"),
    *audit_pages(PAGES),
    st.Page(PAGES / "compare.py", title="Compare runs"),
    st.Page(PAGES / "run_samples.py", title="Run sample audits"),
], expanded=True)
choose_result()
navigation.run()
