"""Streamlit entry point: ``streamlit run dashboards/app.py -- --results PATH``."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboards._state import load_for_display, load_upload, result_files, results_argument

PAGES = Path(__file__).with_name("pages")

st.set_page_config(page_title="rai-audit dashboard", layout="wide")


def choose_result() -> None:
    """Sidebar: pick a result file from --results, a typed folder, or an upload."""
    default = results_argument()
    st.sidebar.title("rai-audit")
    folder = st.sidebar.text_input("Results file or folder",
                                   value=str(default) if default else "reports/out")
    files = result_files(Path(folder)) if folder else []
    upload = st.sidebar.file_uploader("...or upload a result.json", type=["json"])
    if upload is not None:
        loaded = load_upload(upload.getvalue(), upload.name)
    elif files:
        choice = st.sidebar.selectbox("Result", files, format_func=str)
        loaded = load_for_display(choice)
    else:
        loaded = None
    if isinstance(loaded, str):
        st.sidebar.error(loaded)
        loaded = None
    st.session_state["result"] = loaded
    st.session_state["result_files"] = files


choose_result()
navigation = st.navigation([
    st.Page(PAGES / "overview.py", title="Overview", default=True),
    st.Page(PAGES / "training.py", title="Training"),
    st.Page(PAGES / "privacy.py", title="Privacy"),
    st.Page(PAGES / "fairness.py", title="Fairness"),
    st.Page(PAGES / "explainability.py", title="Explainability"),
])
navigation.run()
