"""run_audit as the runner calls it, and the policy metrics reading its section."""

from __future__ import annotations

import dataclasses

import pytest

from audit.config import parse_config
from audit.counterfactuals import CounterfactualAuditConfig, RowsOutOfRangeError, run_audit
from tests.unit.counterfactuals.conftest import linear
from tests.unit.test_result_schema import make_result


@pytest.fixture
def model():
    return linear([1.0, 0.6, -0.5, 0.0, 1.2, -0.4, 0.4], bias=-0.3)


def test_disabled_gives_none(table, model):
    assert run_audit(table, model, CounterfactualAuditConfig(), 0) is None


def test_sampled_rows_plus_requested_rows(table, model):
    config = CounterfactualAuditConfig(enabled=True, n_rows=50, rows=(3, 199), n_per_row=2,
                                       n_examples=5, immutable=("sex", "plan"))
    section = run_audit(table, model, config, seed=0)
    assert section.n_rows_searched in (51, 52)
    assert [r.row for r in section.row_examples[:2]] == [3, 199] and len(section.row_examples) == 5
    assert section.immutable == ("plan", "sex")
    assert all(c.feature not in ("plan", "sex") for r in section.row_examples
               for cf in r.counterfactuals for c in cf.changes)
    assert section.validity == 1.0 and section.n_per_row == 2
    again = run_audit(table, model, config, seed=0)
    assert dataclasses.replace(again, seconds=0.0, rows_per_second=0.0) == dataclasses.replace(
        section, seconds=0.0, rows_per_second=0.0)


def test_requested_row_out_of_range(table, model):
    with pytest.raises(RowsOutOfRangeError, match="rows"):
        run_audit(table, model, CounterfactualAuditConfig(enabled=True, rows=(10_000,)), 0)


def test_config_block_parses():
    config = parse_config({"audits": {"counterfactuals": {
        "enabled": True, "immutable": ["sex", "race"], "n_per_row": 3, "n_rows": 100}}})
    block = config.audits.counterfactuals
    assert block.enabled and block.immutable == ("sex", "race") and block.n_rows == 100


def test_policy_metrics_read_the_section(table, model):
    from audit.policy import resolve_metric

    section = run_audit(table, model, CounterfactualAuditConfig(enabled=True, n_per_row=2,
                                                                min_group_size=5), 0)
    result = make_result().with_section("counterfactuals", section)
    gap = resolve_metric(result, "counterfactuals.recourse_gap[sex]")
    expected = next(g for g in section.gaps if g.measure == "mean_cost")
    assert gap.value == expected.value and gap.interval == expected.interval
    assert resolve_metric(result, "counterfactuals.not_found_share").value == (
        section.n_rows_not_found / section.n_rows_searched)
    assert resolve_metric(make_result(), "counterfactuals.recourse_gap") is None


def test_dice_ml_comparison_on_the_same_rows(table, model):
    pytest.importorskip("dice_ml")
    from audit.counterfactuals import compare_with_dice

    comparison = compare_with_dice(model, table, [0, 1, 2], n=2, seed=0)
    assert comparison.library.startswith("dice-ml") and comparison.n_rows == 3
    assert comparison.ours_share_rows_found == 1.0
    assert 0.0 <= comparison.share_rows_found <= 1.0
    assert comparison.seconds_per_row > 0 and comparison.ours_seconds_per_row > 0
