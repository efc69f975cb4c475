"""Recourse per group: numbers equal a direct computation, intervals from the named methods."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from audit.counterfactuals import CounterfactualAuditConfig, find_counterfactuals, recourse_by_group, section_from
from tests.unit.counterfactuals.conftest import linear


@pytest.fixture(scope="module")
def searched(table):
    model = linear([1.0, 0.6, -0.5, 0.0, 1.2, -0.4, 0.4], bias=-0.3)
    return find_counterfactuals(model, table, n=3, seed=0)


def test_group_numbers_equal_a_direct_computation(table, searched):
    labels = table.test.sensitive.iloc[searched.rows].reset_index(drop=True)
    groups, gaps = recourse_by_group(searched, labels, bootstrap_replicates=200, min_group_size=5, seed=0)
    negative = searched.decision == 0
    best = searched.best
    for g in groups:
        rows = negative & (labels[g.sensitive_feature].to_numpy() == g.group)
        ok = rows & (best >= 0)
        assert g.n_negative == rows.sum() and g.n_flippable == ok.sum()
        assert g.mean_cost == pytest.approx(searched.cost[best[ok]].mean())
        assert g.median_cost == pytest.approx(np.median(searched.cost[best[ok]]))
        assert g.mean_n_changed == pytest.approx(searched.n_changed[best[ok]].mean())
        assert g.mean_cost_interval.low <= g.mean_cost <= g.mean_cost_interval.high
        ci = binomtest(g.n_flippable, g.n_negative).proportion_ci(0.95, method="wilson")
        assert (g.share_flippable_interval.low, g.share_flippable_interval.high) == pytest.approx(
            (ci.low, ci.high))
        for feature, rate in g.change_rates.items():
            f = searched.space.features.index(feature)
            assert rate == pytest.approx(searched.changed[best[ok], f].mean())
    assert g.change_rates["sex"] == 0.0  # immutable
    cost_gap = next(x for x in gaps if x.measure == "mean_cost")
    means = {g.group: g.mean_cost for g in groups}
    assert cost_gap.value == pytest.approx(max(means.values()) - min(means.values()))
    assert cost_gap.worst_group == max(means, key=means.get)
    assert cost_gap.interval.low <= cost_gap.value <= cost_gap.interval.high


def test_gap_reflects_a_built_in_difference():
    """Group b's rows all need the expensive change: its recourse costs more, with an interval
    clear of zero."""
    from audit.counterfactuals._find import CounterfactualSet

    rng = np.random.default_rng(0)
    n = 400
    group = np.where(np.arange(n) < 200, "a", "b")
    cost = np.where(group == "a", 1.0, 3.0) + rng.normal(0, 0.1, n)
    space = type("S", (), {"features": ("x",)})()
    cfs = CounterfactualSet(
        space=space, rows=np.arange(n), X0=np.zeros((n, 1), np.float32),
        probability=np.zeros(n), decision=np.zeros(n, int), desired=np.ones(n, int),
        X=np.ones((n, 1), np.float32), row_of=np.arange(n), cost=cost, n_changed=np.ones(n, int),
        cf_probability=np.ones(n), changed=np.ones((n, 1), bool), n_per_row=1,
        n_candidates=n, n_rejected=0, seconds=0.0)
    _, gaps = recourse_by_group(cfs, pd.DataFrame({"g": group}), bootstrap_replicates=500, seed=0)
    gap = next(x for x in gaps if x.measure == "mean_cost")
    assert gap.worst_group == "b" and gap.best_group == "a"
    assert gap.value == pytest.approx(2.0, abs=0.05) and gap.interval.low > 1.9


def test_section_counts_and_examples(table, searched):
    config = CounterfactualAuditConfig(enabled=True, n_examples=10)
    section = section_from(searched, table, config, requested=np.array([7]), seed=0)
    assert section.n_rows_searched == len(table.test)
    assert section.n_rows_found + section.n_rows_not_found == section.n_rows_searched
    assert section.n_counterfactuals == len(searched.X) and section.validity == 1.0
    assert section.row_examples[0].row == 7 and len(section.row_examples) == 10
    assert {r.decision for r in section.row_examples} == {0, 1}  # both kinds are shown
    assert len({r.row for r in section.row_examples}) == 10
    assert section.immutable == ("sex",)
    assert section.change_rates["sex"] == 0.0


def test_a_gap_between_equal_groups_names_no_group_worst_or_best():
    """Every group of the feature has recourse for all its rows: the gap is 0 and no group is
    named worse than itself (issue 16: a reading never compares a group with itself)."""
    from audit.counterfactuals._recourse import _gap

    values = np.array([1.0, 1.0, 1.0])
    gap = _gap("sex", "share_flippable", ["a", "b", "c"], values, np.ones((50, 3)),
               np.array([True, True, True]), 50)
    assert gap.value == 0.0 and gap.worst_group == "" and gap.best_group == ""
    unequal = _gap("sex", "share_flippable", ["a", "b", "c"], np.array([0.5, 1.0, 0.9]),
                   np.tile([0.5, 1.0, 0.9], (50, 1)), np.array([True, True, True]), 50)
    assert (unequal.worst_group, unequal.best_group) == ("a", "b")
