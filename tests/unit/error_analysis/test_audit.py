"""The error-analysis section end to end on a planted table: cohorts, typed errors, schema round
trip, report (escaped), policy gates and the dashboard page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from audit.error_analysis import (
    ErrorAnalysisConfig,
    ErrorAnalysisInputError,
    MinSupportTooLargeError,
    UnknownFeatureError,
    UnknownMetricError,
    audit_errors,
)
from audit.result import result_from_json, result_to_json
from tests._apptest import open_dashboard_page

EVIL = "<script>alert(1)</script>"


def planted_table(n=3000, seed=0, evil=False):
    rng = np.random.default_rng(seed)
    job = "job" if not evil else EVIL
    frame = pd.DataFrame({job: rng.choice(["clerk", "pilot", "cook" if not evil else EVIL], n),
                          "sex": rng.choice(["F", "M"], n),
                          "age": rng.integers(18, 80, n)})
    y = rng.integers(0, 2, n)
    flip = rng.random(n) < np.where(frame[job].eq("pilot") & (frame["age"] > 55), 0.6, 0.05)
    return frame, y, np.where(flip, 1 - y, y)


@pytest.fixture(scope="module")
def section():
    frame, y, pred = planted_table()
    config = ErrorAnalysisConfig(min_support=50, bootstrap_replicates=200, top_k=20)
    return audit_errors(y, pred, frame, config=config, sensitive_features=["sex"], seed=0)


def test_planted_cohort_ranks_first_with_interval_and_significance(section):
    a = section.analysis("error_rate")
    top = a.cohorts[0]
    assert section.bins["age"] == ("<= 29", "(29, 42]", "(42, 55]", "(55, 67]", "> 67")
    assert top.text in ("job = pilot and 55 < age <= 67", "job = pilot and age > 67")
    assert top.significant and top.q_value < 1e-10 and top.value > 0.5
    assert top.interval.low < top.value < top.interval.high
    assert top.difference_interval.low > 0.3 and top.ratio > 5
    tn, fp, fn, tp = top.confusion
    assert tn + fp + fn + tp == top.size and top.value == pytest.approx((fp + fn) / top.size)
    assert not top.uses_sensitive and any(c.uses_sensitive for c in a.cohorts)
    assert [c.metric for c in a.cohorts] == ["error_rate"] * len(a.cohorts) and len(a.cohorts) == 20
    assert all(c.size >= 50 for c in a.cohorts)
    # the tree's worst leaf is inside the planted cohort
    leaf = a.leaves[0]
    assert {c.feature for c in leaf.conditions} == {"job", "age"} and leaf.value > 0.5
    assert a.tree_nodes[0].size == 3000 and a.tree_nodes[0].condition == ""
    assert section.settings.metrics == ("error_rate", "false_positive_rate", "false_negative_rate")
    assert "age" in section.bins and section.reading[0].startswith("Overall error rate")


def test_sensitive_features_can_be_left_out():
    frame, y, pred = planted_table()
    sec = audit_errors(y, pred, frame, config=ErrorAnalysisConfig(
        min_support=50, include_sensitive=False, bootstrap_replicates=0, metrics=["error_rate"]),
        sensitive_features=["sex"])
    a = sec.analyses[0]
    assert sec.settings.features == ("job", "age")
    assert not any(c.uses_sensitive or "sex" in c.text for c in a.cohorts + a.leaves)
    assert a.cohorts[0].interval is None  # no bootstrap asked for


def test_bad_inputs_raise_typed_errors_naming_the_thing():
    frame, y, pred = planted_table(n=200)
    with pytest.raises(MinSupportTooLargeError, match="min_support") as err:
        audit_errors(y, pred, frame, config=ErrorAnalysisConfig(min_support=500))
    assert "200" in str(err.value) and isinstance(err.value, ValueError)
    with pytest.raises(UnknownMetricError, match="error_rte") as err:
        audit_errors(y, pred, frame, metrics=["error_rte"])
    assert "Did you mean 'error_rate'" in str(err.value)
    with pytest.raises(UnknownMetricError, match="balanced_accuracy"):
        audit_errors(y, pred, frame, metrics=["balanced_accuracy"])
    with pytest.raises(UnknownFeatureError, match="'jobs'") as err:
        audit_errors(y, pred, frame, config=ErrorAnalysisConfig(features=["jobs", "age"]))
    assert "Did you mean 'job'" in str(err.value)
    with pytest.raises(ErrorAnalysisInputError, match="features"):
        audit_errors(y, pred, frame[["sex"]], config=ErrorAnalysisConfig(include_sensitive=False),
                     sensitive_features=["sex"])


def test_config_refuses_unknown_metric_in_yaml(tmp_path):
    import yaml

    from audit.config import load_config
    from audit.errors import ConfigError

    raw = yaml.safe_load(Path("sample_models/census_income/audit.yaml").read_text())
    raw["audits"]["error_analysis"] = {"enabled": True, "metrics": ["error_rat"]}
    path = tmp_path / "audit.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError, match="error_analysis"):
        load_config(path)


def result_with(section):
    from tests.unit.test_result_schema import make_result

    return make_result().with_section("error_analysis", section)


def test_result_round_trip_and_policy_metrics(section):
    from audit.policy import resolve_metric

    result = result_with(section)
    text = result_to_json(result)
    back = result_from_json(text)
    assert back.error_analysis == section and result_to_json(back) == text
    worst = resolve_metric(result, "error_analysis.worst_cohort_error_rate")
    top = max((c for c in section.analyses[0].cohorts if c.significant), key=lambda c: c.value)
    assert worst.value == top.value and worst.interval == top.interval
    assert resolve_metric(result, "error_analysis.significant_cohorts").value == \
        section.analyses[0].n_significant
    fnr = resolve_metric(result, "error_analysis.worst_cohort_difference[false_negative_rate]")
    assert fnr.value == max(c.difference for c in section.analysis("false_negative_rate").cohorts
                            if c.significant)
    from tests.unit.test_result_schema import make_result

    assert resolve_metric(make_result(), "error_analysis.worst_cohort_error_rate") is None


def test_report_section_escapes_feature_and_value_names():
    from reports import render_report

    frame, y, pred = planted_table(evil=True)
    sec = audit_errors(y, pred, frame, config=ErrorAnalysisConfig(
        min_support=50, bootstrap_replicates=50, metrics=["error_rate"]))
    assert any(EVIL in c.text for c in sec.analyses[0].cohorts)
    html = render_report(result_with(sec))
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'id="error_analysis"' in html and 'href="#error_analysis"' in html
    assert 'class="ea-tree"' in html and "Error analysis" in html
    empty = render_report(result_with(None))
    assert "The error analysis was not run in this audit." in empty


def test_dashboard_page(section, tmp_path, monkeypatch):
    pytest.importorskip("streamlit")
    from audit.result import save_result

    save_result(result_with(section), tmp_path / "run" / "result.json")
    at = open_dashboard_page(tmp_path, "error_analysis", monkeypatch)
    assert not at.exception
    assert at.header[0].value == "Error analysis"
    table = at.dataframe[0].value
    assert len(table) == len(section.analyses[0].cohorts)
    assert table["cohort"].iloc[0] == section.analyses[0].cohorts[0].text
    at.checkbox[0].uncheck().run()  # leave out cohorts using sex
    assert not at.exception
    assert not at.dataframe[0].value["sensitive"].any()
    at.selectbox[0].set_value("false_positive_rate").run()
    assert not at.exception and "false positive rate" in at.metric[0].label


def test_dashboard_page_without_the_section(tmp_path, monkeypatch):
    pytest.importorskip("streamlit")
    from audit.result import save_result

    save_result(result_with(None), tmp_path / "run" / "result.json")
    at = open_dashboard_page(tmp_path, "error_analysis", monkeypatch)
    assert not at.exception
    assert at.info[0].value == "The error analysis was not run for this result."
