"""Fixtures for the real-browser tests: Chromium, the census result and report on disk, and a
live dashboard serving them."""

from __future__ import annotations

import time

import pytest

from tests.browser._support import browser_page, chromium_fixture, run_dashboard  # noqa: F401 (fixture)


@pytest.fixture(scope="session")
def census_files(census_run, tmp_path_factory):
    """The census result and its report written to a folder: ``(folder, result, report)``."""
    from audit.result import save_result
    from reports import write_report

    folder = tmp_path_factory.mktemp("census-files")
    result = save_result(census_run.result, folder / "census" / "result.json")
    report = write_report(census_run.result, folder / "census" / "report.html")
    return folder, result, report


@pytest.fixture(scope="module")
def dashboard(chromium, census_files, tmp_path_factory):
    """The dashboard serving the census results folder, stopped after the module.

    ``dashboard.first_paint_s`` is the time from spawning the process to the Overview's
    "Test accuracy" metric being visible in Chromium (the browser is started before the server,
    so its own start-up is not counted).
    """
    folder, _, _ = census_files
    with run_dashboard(folder, tmp_path_factory.mktemp("streamlit-log")) as server:
        with browser_page(chromium) as (page, _):
            page.goto(server.url)
            page.get_by_test_id("stMetric").filter(has_text="Test accuracy").wait_for(timeout=30_000)
            server.first_paint_s = time.perf_counter() - server.started
        yield server
