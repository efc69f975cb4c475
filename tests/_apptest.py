"""Open one dashboard page on a saved result with Streamlit's AppTest (no server, no browser)."""

from __future__ import annotations

from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"


def open_dashboard_page(results: Path, page: str, monkeypatch):
    """The app run on ``results`` (a result.json or a folder of them), switched to
    ``pages/<page>.py`` and run; returns the ``AppTest``."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("RAI_AUDIT_RESULTS", str(results))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    return at


def open_audit_page(results: Path, slug: str, monkeypatch):
    """The app on ``results`` switched to the page of audit ``slug``: its own page file, or
    (for an audit without one) the generic page run with the result in session state."""
    from streamlit.testing.v1 import AppTest

    page = APP.parent / "pages" / f"{slug}.py"
    if page.is_file():
        return open_dashboard_page(results, slug, monkeypatch)
    from audit.result import load_result

    def generic(slug: str) -> None:
        import streamlit as st

        from audit.result import load_result
        from dashboards._pages import generic_page

        st.session_state["result"] = load_result(st.session_state["path"])
        generic_page(slug, slug)

    at = AppTest.from_function(generic, args=(slug,), default_timeout=60)
    at.session_state["path"] = str(results)
    load_result(results)  # a bad file fails here, with the reader's message
    return at.run()
