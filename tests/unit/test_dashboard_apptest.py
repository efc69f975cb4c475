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
         "Explainability": "pages/explainability.py", "Compare runs": "pages/compare.py",
         "Run sample audits": "pages/run_samples.py", "Data privacy": "pages/data_privacy.py",
         "Text": "pages/text_bias.py", "Counterfactuals": "pages/counterfactuals.py",
         "Error analysis": "pages/error_analysis.py", "Robustness": "pages/robustness.py"}
NEEDS_A_RESULT = [page for page in PAGES if page != "Run sample audits"]


def full_result():
    """A small result with a realistic history (train and validation curves)."""
    history = tuple(EpochRecord(e, {"train/loss": 0.5 / e, "val/loss": 0.45 / e + 0.1,
                                    "val/accuracy": 0.8 + e / 100, "epoch/seconds": 1.0,
                                    "fairness/demographic_parity_difference[sex]": 0.2 - e / 100,
                                    "fairness/accuracy[sex=Female]": 0.9,
                                    "fairness/accuracy[sex=Male]": 0.8 + e / 50})
                    for e in range(1, 5))
    return dataclasses.replace(make_result(), history=history)


@pytest.fixture(autouse=True)
def no_sample_run():
    """Every test starts and ends without a sample audit run (the runner is server-wide)."""
    from dashboards._sample_runs import sample_runner

    def reset():
        runner = sample_runner()
        runner.stop()
        sample_runner.clear()

    reset()
    yield
    reset()


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
    assert metrics == {"Test accuracy": "60.00%", "ROC AUC": "0.500", "Balanced accuracy": "50.00%",
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


@pytest.mark.parametrize("page", NEEDS_A_RESULT)
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
    "future major": (_version("3.0"), "upgrade rai-audit"),
    "future minor": (_version("2.99"), "upgrade rai-audit"),
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


# Compare runs and Run sample audits ---------------------------------------------------------

def _private_result():
    """A DP run with a privacy-utility curve, named with markdown and HTML specials."""
    from audit.result import Interval, PrivacySection, PrivacySpend
    from audit.result._privacy import UtilityPoint

    spend = PrivacySpend(accountant="prv", epsilon=1.0, delta=1e-6, delta_rule="1/N",
                         epsilons={"prv": 1.0}, noise_multiplier=1.1, max_grad_norm=1.0,
                         sample_rate=0.01, steps=100, epochs=2, poisson_sampling=True,
                         clipping="flat", grad_sample_mode="hooks")
    curve = tuple(UtilityPoint(target_epsilon=e, epsilon=e, noise_multiplier=1.0, accuracy=a,
                               attack_auc=0.51, attack_auc_interval=Interval(0.5, 0.52),
                               fairness_feature="sex", dp_difference=d, worst_group="Female",
                               worst_group_accuracy=a - 0.1, seconds=1.0)
                  for e, a, d in ((0.5, 0.7, 0.05), (8.0, 0.8, 0.15), (float("inf"), 0.82, 0.2)))
    base = make_result()
    meta = dataclasses.replace(base.metadata, run_name="dp *run* <b>x</b>",
                               created_at="2026-02-02T00:00:00+00:00")
    return dataclasses.replace(base, metadata=meta).with_section(
        "privacy", PrivacySection(spend=spend, utility_curve=curve))


@pytest.fixture
def two_runs(tmp_path, monkeypatch):
    save_result(full_result(), tmp_path / "run-a" / "result.json")
    save_result(_private_result(), tmp_path / "run-b" / "result.json")
    monkeypatch.setenv("RAI_AUDIT_RESULTS", str(tmp_path))
    return tmp_path


def test_compare_page_tabulates_two_runs_and_draws_the_frontier(two_runs):
    import pyarrow as pa

    at = open_app("Compare runs")
    assert not at.exception, at.exception
    assert at.multiselect[0].value == [two_runs / "run-a" / "result.json",
                                       two_runs / "run-b" / "result.json"]
    table = at.dataframe[0].value
    assert list(table["run"]) == ["r", "dp *run* <b>x</b>"]  # plain-text cells, shown verbatim
    assert list(table["file"]) == ["run-a/result.json", "run-b/result.json"]
    assert list(table["private"]) == ["no", "yes"]
    assert list(table["epsilon"]) == ["∞ (non-private)", "1 (δ=1e-06, PRV)"]
    assert list(table["test accuracy [95% CI]"]) == ["60.00% [20.00%, 90.00%]"] * 2
    assert list(table["strongest attack AUC [CI]"]) == ["not run", "not run"]
    assert list(table["worst demographic parity difference"]) == ["not run", "not run"]
    assert list(table["utility-curve points"]) == [0, 3]
    (chart,) = at.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    assert spec["layer"][0]["encoding"]["x"]["scale"] == {"type": "log"}
    rows = [row for data in chart.proto.datasets
            for row in pa.ipc.open_stream(data.data.data).read_all().to_pylist()]
    frontier = [r for r in rows if "source" in r]
    assert len(frontier) == 5  # two runs and three curve points
    edge = max(r["x"] for r in frontier)
    assert edge == 32.0 and sorted(r["epsilon"] for r in frontier if r["x"] == edge) == \
        ["∞ (non-private)", "∞ (non-private)"]
    assert any(r.get("label") == "non-private (ε = ∞)" for r in rows)


def test_compare_page_leaves_out_a_broken_file_with_a_warning(two_runs):
    (two_runs / "run-c").mkdir()
    (two_runs / "run-c" / "result.json").write_text("{not json")
    at = open_app("Compare runs")
    assert not at.exception, at.exception
    assert len(at.dataframe[0].value) == 2
    warnings = shown(at.warning)
    assert len(warnings) == 1 and "run-c/result.json" in warnings[0]
    assert "invalid JSON" in warnings[0]


def test_compare_page_with_nothing_selected_asks_for_a_choice(two_runs):
    at = open_app("Compare runs")
    at.multiselect[0].set_value([]).run()
    assert not at.exception
    assert any("Choose one or more runs" in t for t in texts(at.info))
    assert not at.get("vega_lite_chart")


def test_run_samples_page_offers_the_census_configs(results_dir):
    at = open_app("Run sample audits")
    assert not at.exception, at.exception
    box = at.selectbox[0]
    assert box.label == "Config"
    assert [str(o) for o in box.options][:2] == ["sample_models/census_income/audit.yaml",
                                                 "sample_models/census_income/audit_dp.yaml"]
    assert len(box.options) == 2  # no typed config path: only the shipped samples (issue 18)
    assert at.text_input[0].value == "dashboard-audit"
    assert at.button[0].label == "Run"


@pytest.mark.parametrize("name", ["../escape", "/tmp/elsewhere", ".hidden", "a/b", "x" * 65])
def test_run_samples_page_writes_only_inside_the_results_folder(results_dir, name):
    at = open_app("Run sample audits")
    at.text_input[0].set_value(name).run()
    assert not at.exception, at.exception
    assert any("plain folder name" in e for e in shown(at.error)), shown(at.error)
    assert at.button[0].disabled


def test_sample_runner_refuses_a_config_that_is_not_a_sample(tmp_path):
    from dashboards._sample_runs import SampleRunner

    other = tmp_path / "mine.yaml"
    other.write_text("name: mine\n")
    with pytest.raises(ValueError, match="only the shipped sample configs"):
        SampleRunner().start(other, tmp_path / "out")


def test_run_samples_page_shows_the_error_of_a_failing_run(results_dir, tmp_path):
    import time

    (results_dir / "blocked").write_text("a file where the output folder would go")
    at = open_app("Run sample audits")
    at.text_input[0].set_value("blocked").run()
    at.button[0].click().run()
    assert not at.exception, at.exception
    deadline = time.monotonic() + 60
    while not at.error and time.monotonic() < deadline:
        time.sleep(0.5)
        at.run()
    assert not at.exception, at.exception
    errors = shown(at.error)
    assert len(errors) == 1 and "failed (exit status 2)" in errors[0], errors
    (log,) = [c.value for c in at.code]
    assert "OutputPathError" in log and "an existing file" in log
    assert (results_dir / "blocked").read_text() == "a file where the output folder would go"


def test_run_samples_page_shows_progress_and_stops_the_run(results_dir, tmp_path):
    at = open_app("Run sample audits")
    at.text_input[0].set_value("out").run()
    at.button[0].click().run()
    assert not at.exception, at.exception
    (bar,) = at.get("progress")
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", bar.proto.text)
    assert "s elapsed" in text and "sample_models/census_income/audit.yaml" in text
    stop = [b for b in at.button if b.label == "Stop the run in progress"]
    stop[0].click().run()
    assert not at.exception, at.exception
    assert any("was stopped" in w for w in shown(at.warning)), shown(at.warning)
    assert not at.get("progress")


def test_starting_a_run_stops_the_one_in_progress(tmp_path):
    from dashboards._sample_runs import SAMPLE_CONFIGS, SampleRunner

    runner = SampleRunner()
    config = next(iter(SAMPLE_CONFIGS))
    first = runner.start(config, tmp_path / "one")
    second = runner.start(config, tmp_path / "two")
    try:
        assert first.poll() is not None and first.stopped
        assert runner.current is second and second.poll() is None
        assert second.command[-5:] == ["run", str(config), "--out", str(tmp_path / "two"), "--quiet"]
    finally:
        runner.stop()
    assert second.poll() is not None and second.stopped


TINY_CONFIG = """name: tiny
seed: 0
data:
  loader: adult
  target: income
  positive_label: ">50K"
  sensitive_features: [sex]
model:
  kind: mlp
  hidden_sizes: [8]
training:
  epochs: 1
  batch_size: 1024
audits:
  quality: true
"""


@pytest.mark.slow
def test_run_samples_page_runs_an_audit_and_lists_its_result(results_dir, tmp_path, monkeypatch):
    """A real one-epoch run of the CLI (about 6 s): headline shown, result listed in the sidebar.
    The config is one the server's owner listed in $RAI_AUDIT_SAMPLE_CONFIGS."""
    import time

    config = tmp_path / "tiny.yaml"
    config.write_text(TINY_CONFIG)
    monkeypatch.setenv("RAI_AUDIT_SAMPLE_CONFIGS", str(config))
    at = open_app("Run sample audits")
    at.selectbox[0].set_value(config.resolve()).run()
    assert at.text_input[0].value == "dashboard-tiny"
    at.button[0].click().run()
    deadline = time.monotonic() + 120
    while not at.success and not at.error and time.monotonic() < deadline:
        time.sleep(0.5)
        at.run()
    assert not at.exception, at.exception
    assert not at.error, [c.value for c in at.code]
    (message,) = shown(at.success)
    assert "Finished in" in message and str(results_dir / "dashboard-tiny") in message
    (log,) = [c.value for c in at.code]
    assert "run 'tiny'" in log and "test accuracy" in log
    assert (results_dir / "dashboard-tiny" / "result.json").is_file()
    # AppTest reruns only the page after switch_page, so the sidebar is checked in a fresh app
    fresh = open_app()
    assert fresh.sidebar.selectbox[0].options == ["dashboard-tiny/result.json", "run-a/result.json"]
