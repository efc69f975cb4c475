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
