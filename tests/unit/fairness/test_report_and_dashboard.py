"""The report's fairness section and the dashboard page present the section (escaped)."""

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

from audit.fairness import FairnessAuditConfig, audit_fairness
from audit.result import EpochRecord, result_from_json, result_to_json
from reports import render_report
from reports.sections.fairness import context
from tests.unit.fairness._data import synthetic
from tests.unit.test_result_schema import make_result

EVIL = "<script>alert(1)</script>"


def _result(evil=False):
    y, _, score, groups = synthetic(n=1200, empty_positive_group=True)
    if evil:
        groups = groups.assign(sex=np.where(groups.sex == "Female", EVIL, "$Male$"))
    section = audit_fairness(y, score, groups, config=FairnessAuditConfig(
        bootstrap_replicates=100, score_bootstrap_replicates=10), positive_label=">50K")
    names = [g.group for g in section.partitions[0].groups]
    history = tuple(EpochRecord(e, {"train/loss": 1 / e, **{
        f"fairness/accuracy[sex={n}]": 0.7 + 0.01 * e for n in names},
        "fairness/demographic_parity_difference[sex]": 0.2 - 0.01 * e}) for e in (1, 2, 3))
    return dataclasses.replace(make_result(), history=history).with_section("fairness", section)


def test_report_section_shows_tables_charts_verdicts_and_reading():
    result = _result()
    html = render_report(result)
    section = html[html.index('<section id="fairness">'):]
    section = section[:section.index("</section>")]
    assert "Disparity summary" in section and "Intersectional heatmaps" in section
    assert section.count('class="rai-chart"') >= 8  # intervals, heatmaps, calibration, epochs
    assert "Demographic parity difference" in section and "Four-fifths rule" in section
    assert 'class="light fail"' in section or 'class="light pass"' in section
    assert "undefined" in section and "no actual positives in this group" in section
    assert "the model predicts &gt;50K for" in section
    assert "Accuracy by sex" in section and "No mitigation was tried" in section


def test_group_names_are_escaped_everywhere():
    html = render_report(_result(evil=True))
    assert EVIL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not re.search(r"<script>alert", html)


def test_section_survives_the_json_round_trip_and_renders_the_same():
    result = _result()
    back = result_from_json(result_to_json(result))
    assert back.fairness == result.fairness or result_to_json(back) == result_to_json(result)
    assert context(back)["fairness_view"]["disparities"] == context(result)["fairness_view"][
        "disparities"]


def test_report_without_fairness_says_so():
    html = render_report(make_result())
    assert "The fairness audit was not run in this audit." in html


@pytest.fixture()
def saved_result(tmp_path):
    path = tmp_path / "result.json"
    path.write_text(result_to_json(_result()))
    return path


def test_dashboard_page_renders_without_exception(saved_result):
    from streamlit.testing.v1 import AppTest

    from audit.result import load_result

    result = load_result(saved_result)
    page = Path(__file__).parents[3] / "dashboards" / "pages" / "fairness.py"
    at = AppTest.from_file(str(page), default_timeout=60)
    at.session_state["result"] = result
    at.session_state["result_files"] = [saved_result]
    at.run()
    assert not at.exception, at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "demographic parity difference" in text.lower()
    # moving the what-if threshold recomputes through the library
    at.slider(key="fairness_whatif_threshold").set_value(0.3).run()
    assert not at.exception, at.exception
    frames = [d.value for d in at.dataframe]
    audited = next(f for f in frames if "Selection rate CI" in f.columns)
    whatif = next(f for f in frames if list(f.columns) == [
        "n", "Selection rate", "TPR", "FPR", "Accuracy"])
    for group in audited.index:  # a lower threshold selects more people in every group
        assert float(whatif.loc[group, "Selection rate"]) > float(
            audited.loc[group, "Selection rate"])
    # compare the per-epoch disparities with another saved run
    at.selectbox(key="fairness_compare").set_value(saved_result).run()
    assert not at.exception, at.exception


def test_dashboard_page_shows_hostile_group_names_literally(tmp_path):
    from streamlit.testing.v1 import AppTest

    result = result_from_json(result_to_json(_result(evil=True)))
    page = Path(__file__).parents[3] / "dashboards" / "pages" / "fairness.py"
    at = AppTest.from_file(str(page), default_timeout=60)
    at.session_state["result"] = result
    at.run()
    assert not at.exception, at.exception
    reading = next(m.value for m in at.markdown if "predicts" in m.value)
    from dashboards._state import md_escape

    assert md_escape(EVIL) in reading and "\\$Male\\$" in reading
    at.checkbox(key="fairness_whatif_per_group").check().run()
    assert not at.exception, at.exception
