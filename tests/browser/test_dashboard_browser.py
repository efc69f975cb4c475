"""The Streamlit dashboard end to end: ``streamlit run dashboards/app.py -- --results DIR`` in a
subprocess, driven in headless Chromium (issue 7)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.browser._support import (
    INJECTED_ELEMENTS_JS,
    XSS_FLAGS,
    XSS_NAMES,
    browser_page,
    evil_result,
    external_requests,
    run_dashboard,
    wait_for_app,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = ("Overview", "Training", "Privacy", "Fairness", "Explainability")
# Set RAI_AUDIT_SCREENSHOTS=DIR to keep the screenshot for a person to look at.
SCREENSHOT_DIR = os.environ.get("RAI_AUDIT_SCREENSHOTS")
FIRST_PAINT_TARGET_S = 3.0  # issue 7; measured and printed, asserted only loosely (shared CI)


def open_dashboard(page, url):
    page.goto(url)
    wait_for_app(page)


def go_to(page, title):
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    page.get_by_test_id("stHeading").filter(has_text=title).first.wait_for(timeout=30_000)
    wait_for_app(page)


def assert_clean(page, log, origin):
    assert page.locator(".stException, [data-testid='stException']").count() == 0, \
        page.locator(".stException").first.inner_text()
    assert log.page_errors == [], log.page_errors
    assert log.console_errors == [], log.console_errors
    assert external_requests(log.requests, origin) == []


def drawn_pixels(chart) -> int:
    """Non-blank pixels of a Vega chart (canvas or SVG renderer)."""
    return chart.evaluate("""el => {
      const canvas = el.querySelector('canvas');
      if (!canvas) return el.querySelectorAll('svg path, svg line').length * 100;
      const ctx = canvas.getContext('2d');
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      return n;
    }""")


def screenshot_whole_page(page, path):
    """Streamlit scrolls inside its main pane, so grow the window to the pane's height first."""
    height = page.evaluate("document.querySelector(\"[data-testid='stMain']\").scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(max(int(height), 1000), 8000)})
    page.wait_for_timeout(500)
    page.screenshot(path=str(path), full_page=True, timeout=120_000)


def test_first_page_shows_the_census_result_quickly(dashboard, census_run, chromium, tmp_path):
    seconds = dashboard.first_paint_s
    print(f"\ndashboard first page shown {seconds:.2f} s after process start "
          f"(issue 7 target < {FIRST_PAINT_TARGET_S:.0f} s)")
    assert seconds < 120  # the 3 s target is reported, not asserted: CI machines are shared
    with browser_page(chromium) as (page, log):
        open_dashboard(page, dashboard.url)
        metric = page.get_by_test_id("stMetric").filter(has_text="Test accuracy")
        assert metric.get_by_test_id("stMetricValue").inner_text() == \
            f"{census_run.result.quality.accuracy:.2%}"
        sidebar = page.get_by_test_id("stSidebar")
        assert "census-income-mlp" in sidebar.inner_text()
        assert page.get_by_test_id("stTable").count() == 2
        screenshot_whole_page(page, tmp_path / "overview.png")
        assert_clean(page, log, dashboard.url)


def test_training_page_draws_its_charts(dashboard, chromium, tmp_path):
    with browser_page(chromium) as (page, log):
        open_dashboard(page, dashboard.url)
        go_to(page, "Training")
        charts = page.get_by_test_id("stVegaLiteChart")
        charts.nth(1).locator("canvas, svg").first.wait_for(timeout=30_000)
        assert charts.count() >= 2  # loss and accuracy, then what the audits tracked per epoch
        page.wait_for_timeout(500)  # let Vega finish drawing before counting pixels
        for i in range(charts.count()):
            charts.nth(i).scroll_into_view_if_needed()
            charts.nth(i).locator("canvas, svg").first.wait_for(timeout=30_000)
            box = charts.nth(i).locator("canvas, svg").first.bounding_box()
            assert box and box["width"] > 200 and box["height"] > 100, box
            assert drawn_pixels(charts.nth(i)) > 1000
        assert page.get_by_test_id("stDataFrame").count() == 1
        shot = tmp_path / "training.png"
        screenshot_whole_page(page, shot)
        if SCREENSHOT_DIR:
            shutil.copyfile(shot, Path(SCREENSHOT_DIR) / "rai_dashboard.png")
        assert_clean(page, log, dashboard.url)


def test_every_page_opens_from_the_sidebar(dashboard, chromium):
    with browser_page(chromium) as (page, log):
        open_dashboard(page, dashboard.url)
        for title in PAGES[1:] + PAGES[:1]:
            go_to(page, title)
            main = page.get_by_test_id("stMain")
            assert main.get_by_test_id("stHeading").first.inner_text().strip() == title
            # the shared sidebar survives page changes, with the chosen result
            assert "census-income-mlp" in page.get_by_test_id("stSidebar").inner_text()
            assert_clean(page, log, dashboard.url)


def test_script_injection_in_a_result_executes_nothing(dashboard, chromium, census_run, tmp_path):
    from audit.result import save_result

    path = save_result(evil_result(census_run.result), tmp_path / "evil" / "result.json")
    with browser_page(chromium) as (page, log):
        open_dashboard(page, dashboard.url)
        box = page.get_by_test_id("stSidebar").get_by_role("textbox", name="Results file or folder")
        box.fill(str(path))
        box.press("Enter")
        main = page.get_by_test_id("stMain")
        main.get_by_text(XSS_NAMES[0], exact=False).first.wait_for(timeout=30_000)
        wait_for_app(page)
        for title in ("Overview", "Training"):
            go_to(page, title)
            assert page.evaluate(INJECTED_ELEMENTS_JS) == {"handlers": [], "imgX": 0, "xss": None}
        go_to(page, "Overview")
        text = main.inner_text()
        assert text.count(XSS_NAMES[0]) >= 2  # run name caption and the card's intended use
        for name in XSS_NAMES + XSS_FLAGS:
            assert name in text, name
        assert log.dialogs == []
        assert_clean(page, log, dashboard.url)


@pytest.fixture
def bad_result_dashboard(tmp_path):
    from audit.result import result_to_json
    from tests.unit.test_result_schema import make_result

    path = tmp_path / "broken" / "result.json"
    path.parent.mkdir()
    text = result_to_json(make_result())
    path.write_text(text[: len(text) // 2])
    with run_dashboard(path, tmp_path) as server:
        yield server, path


def test_truncated_result_gives_a_message_on_every_page(bad_result_dashboard, chromium):
    server, path = bad_result_dashboard
    with browser_page(chromium) as (page, log):
        open_dashboard(page, server.url)
        for title in PAGES:
            if title != "Overview":
                go_to(page, title)
            main = page.get_by_test_id("stMain")
            error = main.get_by_test_id("stAlertContentError")
            assert error.count() == 1, title
            message = error.inner_text()
            assert "Could not open the result" in message and "truncated" in message
            assert str(path) in message and "Fix:" in message
            assert "Open a result" in main.inner_text()
            assert_clean(page, log, server.url)


def test_compare_runs_page_draws_the_frontier(dashboard, chromium, tmp_path):
    with browser_page(chromium) as (page, log):
        open_dashboard(page, dashboard.url)
        go_to(page, "Compare runs")
        main = page.get_by_test_id("stMain")
        assert page.get_by_test_id("stDataFrame").count() == 1
        chart = main.get_by_test_id("stVegaLiteChart")
        chart.first.locator("canvas, svg").first.wait_for(timeout=30_000)
        assert chart.count() == 1
        chart.first.scroll_into_view_if_needed()
        page.wait_for_timeout(500)  # let Vega finish drawing before counting pixels
        box = chart.first.locator("canvas, svg").first.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 200, box
        assert drawn_pixels(chart.first) > 1000
        assert "1 run" in main.inner_text()
        screenshot_whole_page(page, tmp_path / "compare.png")
        assert_clean(page, log, dashboard.url)
