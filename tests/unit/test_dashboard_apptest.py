"""Every dashboard page under ``streamlit.testing.v1.AppTest``: no exceptions, key elements present,
and bad or missing results give a message in the app, never a traceback.

The app finds results through ``$RAI_AUDIT_RESULTS`` here (AppTest cannot pass ``-- --results``).
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from audit.result import EpochRecord, result_to_json, save_result  # noqa: E402
from tests.unit.test_result_schema import make_result  # noqa: E402

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")
PAGES = {"Overview": "pages/overview.py", "Training": "pages/training.py",
         "Privacy": "pages/privacy.py", "Fairness": "pages/fairness.py",
         "Explainability": "pages/explainability.py"}


def full_result():
    """A small result with a realistic history (train and validation curves)."""
    history = tuple(EpochRecord(e, {"train/loss": 0.5 / e, "val/loss": 0.45 / e + 0.1,
                                    "val/accuracy": 0.8 + e / 100, "epoch/seconds": 1.0,
                                    "fairness/demographic_parity_difference[sex]": 0.2 - e / 100,
                                    "fairness/accuracy[sex=Female]": 0.9,
                                    "fairness/accuracy[sex=Male]": 0.8 + e / 50})
                    for e in range(1, 5))
    return dataclasses.replace(make_result(), history=history)


@pytest.fixture
def results_dir(tmp_path, monkeypatch):
    """A folder holding one good result.json, given to the app through $RAI_AUDIT_RESULTS."""
    save_result(full_result(), tmp_path / "run-a" / "result.json")
    monkeypatch.setenv("RAI_AUDIT_RESULTS", str(tmp_path))
    return tmp_path


def open_app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    if page is not None and page != "Overview":
        at.switch_page(PAGES[page])
        at.run()
    return at


def texts(elements) -> list[str]:
    """The markdown source of ``elements``."""
    return [str(e.value) for e in elements]


def shown(elements) -> list[str]:
    """What the reader sees: the markdown source without its backslash escapes."""
    return [re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", t) for t in texts(elements)]


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders_without_exception(results_dir, page):
    at = open_app(page)
    assert not at.exception, at.exception
    assert texts(at.main.header)[0] == page
    assert not at.error
    if page in ("Privacy", "Fairness", "Explainability"):  # this result has no such section
        assert any("audit was not run" in t for t in texts(at.main.info)), texts(at.main.info)


def test_overview_shows_the_result(results_dir):
    at = open_app()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Test accuracy": "60.00%", "ROC AUC": "inf", "Balanced accuracy": "50.00%",
                       "Test rows": "5"}
    assert at.sidebar.text_input[0].value == str(results_dir)
    assert at.sidebar.selectbox[0].options == ["run-a/result.json"]
    assert len(at.table) == 2  # confusion matrix and model card
    card = at.table[1].value
    assert card.loc["sensitive features", "value"] == "sex"
    assert any("Audits in this result" in c for c in texts(at.caption))


def test_training_page_draws_loss_accuracy_and_audit_charts(results_dir):
    at = open_app("Training")
    charts = at.get("vega_lite_chart")
    assert len(charts) == 4  # loss, accuracy, then one per audit metric and feature
    specs = [json.loads(c.proto.spec) for c in charts]
    assert all(spec["encoding"]["y"]["scale"] == {"zero": False} for spec in specs)
    assert [s.value for s in at.subheader] == ["Loss", "Accuracy", "Tracked by the audits during training",
                                               "All recorded metrics"]
    titles = shown(at.main.markdown)
    assert "**fairness/demographic_parity_difference**" in titles
    assert "**fairness/accuracy by sex**" in titles
    frame = at.dataframe[0].value
    assert list(frame.index) == [1, 2, 3, 4] and "val/accuracy" in frame


def test_training_page_without_history_says_so(tmp_path, monkeypatch):
    save_result(dataclasses.replace(make_result(), history=()), tmp_path / "result.json")
    monkeypatch.setenv("RAI_AUDIT_RESULTS", str(tmp_path / "result.json"))
    at = open_app("Training")
    assert not at.exception
    assert any("No per-epoch history" in t for t in texts(at.info))


@pytest.mark.parametrize("page", list(PAGES))
def test_no_result_gives_a_hint_not_an_exception(tmp_path, monkeypatch, page):
    monkeypatch.setenv("RAI_AUDIT_RESULTS", str(tmp_path))  # an empty folder
    at = open_app(page)
    assert not at.exception
    assert not at.error
    assert any("Open a result" in t for t in texts(at.info))
    if page == "Overview":  # AppTest drops the sidebar tree after switch_page; checked once
        assert any("No result.json found" in t for t in texts(at.sidebar.warning))


def _truncated(text):
    return text[: len(text) // 2]


def _version(version):
    def change(text):
        raw = json.loads(text)
        raw["schema_version"] = version
        return json.dumps(raw)
    return change


def _wrong_type(text):
    raw = json.loads(text)
    raw["metadata"]["seed"] = "not a number"
    return json.dumps(raw)


BAD_FILES = {
    "truncated": (_truncated, "truncated"),
    "empty": (lambda text: "", "invalid JSON"),
    "not json": (lambda text: "<html>not json</html>", "invalid JSON"),
    "a list": (lambda text: "[1, 2]", "schema_version"),
    "future major": (_version("2.0"), "upgrade rai-audit"),
    "future minor": (_version("1.99"), "upgrade rai-audit"),
    "garbage version": (_version("one"), "schema_version like"),
    "wrong type": (_wrong_type, "metadata.seed"),
    "deeply nested": (lambda text: "[" * 100_000 + "]" * 100_000, "result.json"),
    "not utf-8": (lambda text: b"\xff\xfe\x00garbage", "invalid JSON"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
@pytest.mark.parametrize("page", ["Overview", "Training"])
def test_bad_result_file_gives_a_clear_error_not_an_exception(tmp_path, monkeypatch, case, page):
    change, expected = BAD_FILES[case]
    content = change(result_to_json(make_result()))
    path = tmp_path / "result.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    monkeypatch.setenv("RAI_AUDIT_RESULTS", str(path))
    at = open_app(page)
    assert not at.exception, at.exception
    assert at.session_state["result"] is None
    assert any("Open a result" in t for t in texts(at.main.info))
    if page != "Overview":
        return  # AppTest drops what app.py drew before st.navigation on later runs; see browser tests
    errors = shown(at.main.error)
    assert len(errors) == 1 and "Could not open the result" in errors[0]
    assert expected in errors[0] and str(path) in errors[0]
    assert "Fix:" in errors[0] or "upgrade rai-audit" in errors[0]
    assert texts(at.sidebar.error) == ["This result cannot be opened (details on the page)."]


def test_missing_path_warns_in_the_sidebar(tmp_path, monkeypatch):
    monkeypatch.setenv("RAI_AUDIT_RESULTS", str(tmp_path / "missing"))
    at = open_app()
    assert not at.exception
    warnings = shown(at.sidebar.warning)
    assert len(warnings) == 1 and str(tmp_path / "missing") in warnings[0]
    assert "rai-audit run" in warnings[0]


# Typing a path or choosing a result in the sidebar is tested in the browser
# (tests/regression/test_dashboard_sidebar_state.py): AppTest (streamlit 1.67) drops the values of
# widgets drawn in the entry script around st.navigation.


def test_results_argument_wins_over_the_environment(monkeypatch, tmp_path):
    from dashboards._state import results_location

    monkeypatch.setenv("RAI_AUDIT_RESULTS", "/from/env")
    assert results_location(["--results", str(tmp_path)]) == tmp_path
    assert results_location([]) == Path("/from/env")
    assert results_location([], environ={}) is None
    assert results_location(["--res", "abbreviated"], environ={}) is None
