"""The section in result.json, the HTML report and the dashboard page."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from audit.counterfactuals import CounterfactualAuditConfig, find_counterfactuals, section_from
from audit.data import build_tabular_dataset
from audit.result import result_from_json, result_to_json
from tests._apptest import open_dashboard_page
from tests.unit.counterfactuals.conftest import linear, make_frame
from tests.unit.test_result_schema import make_result

EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def result():
    def frame(n, seed):
        f = make_frame(n, seed)
        f["sex"] = f["sex"].replace({"female": EVIL})
        f["plan"] = f["plan"].replace({"pro": "pro & <b>"})
        return f

    table = build_tabular_dataset(frame(400, 0), frame(120, 1), target="y", positive_label="yes",
                                  sensitive_features=["sex"], seed=0)
    model = linear([1.0, 0.6, -0.5, 0.0, 1.2, -0.4, 0.4], bias=-0.3)
    cfs = find_counterfactuals(model, table, n=3)
    section = section_from(cfs, table, CounterfactualAuditConfig(enabled=True, n_examples=8,
                                                                 min_group_size=5))
    return make_result().with_section("counterfactuals", section)


def test_round_trip_through_json_is_exact(result):
    text = result_to_json(result)
    back = result_from_json(text)
    assert back.counterfactuals == result.counterfactuals
    assert result_to_json(back) == text


def test_report_states_changes_and_escapes_user_strings(result):
    from reports import render_report

    html = render_report(result)
    assert 'id="counterfactuals"' in html and 'href="#counterfactuals"' in html
    first = next(r for r in result.counterfactuals.row_examples if r.counterfactuals)
    change = first.counterfactuals[0].changes[0]
    assert f"change <strong>{change.feature}</strong> from {change.before}" in html
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "pro &amp; &lt;b&gt;" in html or "pro & <b>" not in html
    assert "Recourse cost by sex group" in html


def test_report_without_the_section_says_so():
    from reports import render_report

    assert "The counterfactual audit was not run" in render_report(make_result())


def test_dashboard_page_renders(result, tmp_path, monkeypatch):
    pytest.importorskip("streamlit")
    from audit.result import save_result

    path = save_result(result, tmp_path / "result.json")
    at = open_dashboard_page(path, "counterfactuals", monkeypatch)
    assert not at.exception
    assert any("Counterfactual" in h.value for h in at.header)
    markdown = " ".join(str(m.value) for m in at.markdown)
    assert "change **" in markdown
    assert EVIL not in markdown
    assert np.isfinite(result.counterfactuals.mean_per_row)


def test_report_shows_a_library_comparison(result):
    from audit.result._counterfactuals import LibraryComparison
    from reports import render_report

    comparison = LibraryComparison(
        library="dice-ml 0.12", method="random", n_rows=20, seconds_per_row=1.5,
        share_rows_found=1.0, validity=1.0, mean_n_changed=1.7, ours_seconds_per_row=0.01,
        ours_share_rows_found=1.0, ours_mean_n_changed=1.8, mean_cost=2.5, ours_mean_cost=2.0)
    section = dataclasses.replace(result.counterfactuals, comparison=comparison)
    html = render_report(result.with_section("counterfactuals", section))
    assert "Comparison with dice-ml 0.12" in html and "1.500" in html and "2.500" in html
    assert result_from_json(result_to_json(result.with_section("counterfactuals", section))).counterfactuals.comparison == comparison
