"""Hierarchies, the generalisation search and its loss measures, checked by brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from audit.data_privacy import build_hierarchies, search_generalisation
from audit.data_privacy._generalise import _Evaluator, categorical_hierarchy, numeric_hierarchy
from tests.unit.data_privacy.conftest import QIS


def test_numeric_hierarchy_bins_and_penalty():
    h = numeric_hierarchy(pd.Series([17, 22, 23, 39, 90], name="age"), (5.0, 10.0, 20.0))
    assert [lv.description for lv in h.levels] == [
        "original values", "bins of width 5", "bins of width 10", "bins of width 20", "suppressed (*)"]
    assert list(h.levels[1].labels) == ["[15, 20)", "[20, 25)", "[20, 25)", "[35, 40)", "[90, 95)"]
    assert list(h.levels[3].labels) == ["[0, 20)", "[20, 40)", "[20, 40)", "[20, 40)", "[80, 100)"]
    assert h.levels[1].penalty[0] == pytest.approx(5 / 73)  # width / range of the column
    assert h.levels[1].card == 4 and h.levels[-1].card == 1
    assert h.levels[-1].penalty.tolist() == [1.0] * 5


def test_categorical_hierarchy_merges_rare_categories():
    column = pd.Series(["a"] * 90 + ["b"] * 6 + ["c"] * 3 + ["d"], name="job")
    h = categorical_hierarchy(column, (0.05, 0.07))
    # 5%: c and d merged (2 of 4 categories); 7%: b, c and d merged
    assert h.levels[1].labels.tolist().count("Other") == 4
    assert h.levels[2].labels.tolist().count("Other") == 10
    assert h.levels[1].penalty[-1] == pytest.approx((2 - 1) / (4 - 1))
    assert h.levels[2].penalty[-1] == pytest.approx((3 - 1) / (4 - 1))
    assert h.levels[1].penalty[0] == 0.0
    assert h.levels[-1].labels[0] == "*"
    assert h.n_levels == 4


def _check_k(table: pd.DataFrame, qis, k: int) -> int:
    sizes = table.groupby(qis, dropna=False).size()
    assert sizes.min() >= k
    return int(sizes.min())


def test_census_reaches_k_within_the_budget(census):
    out = search_generalisation(census, QIS, 5, max_suppression=0.01, sensitive="income")
    g = out.summary
    assert g.reached and g.k >= 5
    assert g.suppressed_rows <= 0.01 * len(census)
    table = out.table(census)
    assert len(table) == len(census) - g.suppressed_rows
    assert _check_k(table, QIS, 5) == g.k
    sizes = table.groupby(QIS, dropna=False).size()
    assert g.n_classes == len(sizes)
    assert g.discernibility == pytest.approx((sizes ** 2).sum() + g.suppressed_rows * len(census))
    assert g.l_distinct == table.groupby(QIS, dropna=False)["income"].nunique().min()
    # the chosen strategy is the less lossy one, and its NCP is what is reported
    assert g.ncp == min(g.alternatives.values())
    assert 0.0 < g.ncp < 1.0
    # non-QI columns are untouched
    kept = ~out.suppressed
    assert (table["fnlwgt"].to_numpy() == census.loc[kept, "fnlwgt"].to_numpy()).all()


def test_ncp_by_hand():
    frame = pd.DataFrame({"age": [21, 23, 37, 38, 39, 60], "sex": list("FFMMMF")})
    out = search_generalisation(frame, ["age", "sex"], 2, max_suppression=1 / 6)
    g = out.summary
    # age in 5-year bins: {20-25: 2, 35-40: 3, 60-65: 1} -> the row aged 60 is suppressed
    assert [lv.level for lv in g.levels] == [1, 0]
    assert g.suppressed_rows == 1 and g.k == 2
    # 5 kept rows: age penalty 5/39 each, sex 0; suppressed row: 1 for each column
    assert g.ncp == pytest.approx((5 * (5 / 39) / 2 + 1) / 6)
    assert g.discernibility == 2 ** 2 + 3 ** 2 + 1 * 6


def test_result_is_locally_minimal(census):
    out = search_generalisation(census, QIS, 5, max_suppression=0.01)
    levels = tuple(lv.level for lv in out.summary.levels)
    ev = _Evaluator(out.hierarchies, 5, len(census))
    budget = int(0.01 * len(census))
    for i, level in enumerate(levels):
        if level == 0:
            continue
        lower = ev(levels[:i] + (level - 1,) + levels[i + 1:])
        assert lower.violating > budget or lower.loss >= out.summary.ncp


def test_small_lattice_beam_is_close_to_exhaustive():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"age": rng.integers(18, 80, 400), "sex": rng.choice(list("FM"), 400),
                          "job": rng.choice(list("abcdefgh"), 400, p=[.3, .2, .2, .1, .1, .05, .03, .02])})
    qis = ["age", "sex", "job"]
    out = search_generalisation(frame, qis, 4, max_suppression=0.02)
    ev = _Evaluator(out.hierarchies, 4, len(frame))
    budget = int(0.02 * len(frame))
    best = min(ev(lv).loss for lv in itertools.product(*[range(h.n_levels) for h in out.hierarchies])
               if ev(lv).violating <= budget)
    assert out.summary.reached
    assert out.summary.ncp == pytest.approx(best, abs=0.02)
    _check_k(out.table(frame), qis, 4)


def test_k_equal_to_rows_suppresses_everything():
    frame = pd.DataFrame({"a": [1, 2, 3], "b": list("xyz")})
    g = search_generalisation(frame, ["a", "b"], 3, max_suppression=0.0).summary
    assert g.reached and g.k == 3 and g.n_classes == 1
    assert [lv.description for lv in g.levels] == ["suppressed (*)", "suppressed (*)"]
    assert g.ncp == 1.0


def test_custom_bin_widths_are_used(census):
    h = build_hierarchies(census, ["hours-per-week"], bin_widths={"hours-per-week": [8, 40]})[0]
    assert [lv.description for lv in h.levels][1:3] == ["bins of width 8", "bins of width 40"]
