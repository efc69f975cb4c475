"""Regression: the sidebar's widgets (results path, result picker, upload) were drawn before
``st.navigation``; streamlit 1.67 resets such widgets on every rerun, so a typed path or a chosen
result snapped straight back and only the first result could ever be shown. app.py now calls
``st.navigation`` first and draws the sidebar after it. AppTest cannot see this bug (it drops
those widget values either way), so it is checked in headless Chromium."""

from __future__ import annotations

import dataclasses

import pytest

from tests.browser._support import (  # noqa: F401 (fixture)
    browser_page,
    chromium_fixture,
    run_dashboard,
    wait_for_app,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def two_results(tmp_path_factory):
    from audit.result import save_result
    from tests.unit.test_result_schema import make_result

    root = tmp_path_factory.mktemp("two-results")
    result = make_result()
    for folder, name in (("a", "first run"), ("b", "second run"), ("c", "third run")):
        save_result(dataclasses.replace(result, metadata=dataclasses.replace(
            result.metadata, run_name=name)), root / folder / "result.json")
    return root


@pytest.fixture(scope="module")
def server(two_results, tmp_path_factory):
    with run_dashboard(two_results / "a", tmp_path_factory.mktemp("log")) as dashboard:
        yield dashboard


def shown_run(page) -> str:
    return page.get_by_test_id("stMain").get_by_test_id("stCaptionContainer").first.inner_text()


def go_to(page, title):
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    page.get_by_test_id("stMain").get_by_test_id("stHeading").filter(has_text=title).first.wait_for()
    wait_for_app(page)


def test_typed_path_and_chosen_result_stick(server, two_results, chromium):
    with browser_page(chromium) as (page, log):
        page.goto(server.url)
        wait_for_app(page)
        assert shown_run(page).startswith("first run")

        box = page.get_by_test_id("stSidebar").get_by_role("textbox", name="Results file or folder")
        box.fill(str(two_results))
        box.press("Enter")
        wait_for_app(page)
        assert box.input_value() == str(two_results)  # did not snap back

        page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").click()
        page.get_by_role("option", name="c/result.json").click()
        wait_for_app(page)
        assert shown_run(page).startswith("third run")

        go_to(page, "Training")
        go_to(page, "Overview")
        assert box.input_value() == str(two_results)
        assert shown_run(page).startswith("third run")
        assert log.page_errors == [] and log.console_errors == []
