"""Slice counting, binning and statistics against brute-force references (pandas, scipy)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency, false_discovery_control

from audit.core import bh_qvalues
from audit.error_analysis import count_slices, encode_feature, metric_values, two_proportion_pvalues
from audit.error_analysis._stats import bootstrap_intervals, cohort_stats, metric_parts, rank
from audit.fairness import metrics_from_counts


def make_table(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "g": rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2]),
        "h": rng.choice(["u", "v"], n),
        "x": rng.normal(40, 10, n).round(),
        "k": rng.integers(0, 3, n),  # few values: kept as categories
    })
    y = rng.integers(0, 2, n)
    pred = np.where(rng.random(n) < 0.8, y, 1 - y)
    return frame, y, pred


def test_encode_numeric_quantile_bins_and_categories():
    x = pd.Series(np.arange(1, 101, dtype=float), name="age")
    enc = encode_feature(x, n_bins=4)
    assert enc.conditions == ("age <= 25.75", "25.75 < age <= 50.5", "50.5 < age <= 75.25",
                              "age > 75.25")
    assert np.bincount(enc.codes).tolist() == [25, 25, 25, 25]
    # every row satisfies its own condition
    assert (x[enc.codes == 1] > 25.75).all() and (x[enc.codes == 1] <= 50.5).all()
    few = encode_feature(pd.Series([3, 1, 3, 2], name="k"), n_bins=4)
    assert few.conditions == ("k = 1", "k = 2", "k = 3") and few.codes.tolist() == [2, 0, 2, 1]
    cat = encode_feature(pd.Series(["b", None, "a"], name="c"))
    assert cat.conditions == ("c = a", "c = b", "c is missing") and cat.codes.tolist() == [1, 2, 0]
    # a column that is mostly zero: the repeated quantile edges merge into "<= 0" / "> 0"
    gain = encode_feature(pd.Series([0.0] * 90 + list(range(1, 11)), name="gain"), n_bins=5)
    assert gain.conditions == ("gain <= 0", "gain > 0")


def brute_force(frame, y, pred, combo):
    """Cell counts of every non-empty slice of ``combo`` with one pandas groupby."""
    cells = pd.DataFrame({"tn": (y == 0) & (pred == 0), "fp": (y == 0) & (pred == 1),
                          "fn": (y == 1) & (pred == 0), "tp": (y == 1) & (pred == 1)}).astype(int)
    grouped = pd.concat([frame[list(combo)], cells], axis=1).groupby(list(combo), observed=True).sum()
    return {k if isinstance(k, tuple) else (k,): row.to_numpy().reshape(2, 2)
            for k, row in grouped.iterrows()}


@pytest.mark.parametrize("min_support", [1, 150])
def test_slice_counts_equal_pandas_groupby_for_singles_pairs_and_triples(min_support):
    frame, y, pred = make_table()
    encoded = [encode_feature(frame[c], n_bins=4) for c in frame.columns]
    codes = pd.DataFrame({e.name: e.codes for e in encoded})
    sc = count_slices(encoded, y, pred, max_order=3, min_support=min_support)
    got = {}
    for i in range(len(sc)):
        combo = sc.combos[sc.combo[i]]
        key = (combo, tuple(int(v) for v in sc.levels[i][:len(combo)]))
        got[key] = sc.counts[i]
    expected = {}
    for order in (1, 2, 3):
        for combo in itertools.combinations(range(4), order):
            names = [encoded[f].name for f in combo]
            for levels, counts in brute_force(codes, y, pred, names).items():
                if counts.sum() >= min_support:
                    expected[(combo, tuple(int(v) for v in levels))] = counts
    assert got.keys() == expected.keys()
    for key, counts in expected.items():
        np.testing.assert_array_equal(got[key], counts)
    assert sc.total.tolist() == [[((y == 0) & (pred == 0)).sum(), ((y == 0) & (pred == 1)).sum()],
                                 [((y == 1) & (pred == 0)).sum(), ((y == 1) & (pred == 1)).sum()]]
    # conditions read back to the same rows
    i = int(np.flatnonzero(sc.order == 2)[0])
    conds = sc.conditions(i)
    assert len(conds) == 2 and all(text.startswith(f) or f" {f} " in text for f, text in conds)


def test_metric_values_reuse_fairness_counts_and_error_rate():
    counts = np.array([[[50, 10], [5, 35]], [[0, 0], [3, 1]]])
    m = metrics_from_counts(counts)
    np.testing.assert_allclose(metric_values(counts, "error_rate"), [0.15, 0.75])
    np.testing.assert_allclose(metric_values(counts, "error_rate"), 1 - m["accuracy"])
    fpr = metric_values(counts, "false_positive_rate")
    assert fpr[0] == pytest.approx(10 / 60) and np.isnan(fpr[1])  # no actual negatives
    for name in ("error_rate", "false_positive_rate", "false_negative_rate", "selection_rate",
                 "precision", "base_rate"):
        num, den = metric_parts(counts, name)
        np.testing.assert_allclose(np.where(den > 0, num / np.maximum(den, 1), np.nan),
                                   metric_values(counts, name))


def test_two_proportion_test_equals_chi_square_without_correction():
    rng = np.random.default_rng(1)
    n1, n2 = rng.integers(20, 500, 30), rng.integers(20, 5000, 30)
    x1, x2 = rng.binomial(n1, 0.3), rng.binomial(n2, 0.25)
    p = two_proportion_pvalues(x1, n1, x2, n2)
    for i in range(30):
        table = [[x1[i], n1[i] - x1[i]], [x2[i], n2[i] - x2[i]]]
        assert p[i] == pytest.approx(chi2_contingency(table, correction=False).pvalue, rel=1e-9)
    assert two_proportion_pvalues([0], [10], [0], [20])[0] == 1.0
    assert np.isnan(two_proportion_pvalues([0], [0], [3], [20])[0])


def test_bh_qvalues_equal_the_textbook_procedure_and_scipy():
    rng = np.random.default_rng(2)
    p = np.concatenate([rng.uniform(0, 1, 40), rng.uniform(0, 0.001, 10), [np.nan]])
    q = bh_qvalues(p)
    assert np.isnan(q[-1])
    defined = p[:-1]
    m = len(defined)
    order = np.argsort(defined)
    ranked = defined[order] * m / np.arange(1, m + 1)
    textbook = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1)
    expected = np.empty(m)
    expected[order] = textbook
    np.testing.assert_allclose(q[:-1], expected, rtol=1e-12)
    np.testing.assert_allclose(q[:-1], false_discovery_control(defined, method="bh"), rtol=1e-12)


def test_cohort_stats_rank_and_bootstrap():
    total = np.array([[700, 100], [100, 100]])
    counts = np.array([[[70, 60], [10, 10]],     # error 70/150 vs 130/850
                       [[300, 20], [40, 40]],    # error 60/400
                       [[10, 1], [1, 8]]])       # error 2/20, only 20 rows
    stats = cohort_stats(counts, total, "error_rate", min_metric_rows=30)
    assert stats.value[0] == pytest.approx(70 / 150) and stats.rest_value[0] == pytest.approx(130 / 850)
    assert stats.difference[0] == pytest.approx(70 / 150 - 130 / 850)
    assert np.isnan(stats.p_value[2]) and np.isnan(stats.difference[2])  # too few rows to test
    assert rank(stats, np.array([1, 1, 1]), "highest").tolist() == [0, 1]
    assert rank(stats, np.array([1, 1, 1]), "lowest").tolist() == [1, 0]
    boot = bootstrap_intervals(counts[:1], total, "error_rate", 2000, seed=0)
    lo, hi, dlo, dhi = boot[0]
    assert lo < stats.value[0] < hi and dlo < stats.difference[0] < dhi
    # the bootstrap interval is close to the Wilson one for a cohort of 150 rows
    assert lo == pytest.approx(stats.wilson_low[0], abs=0.02)
    assert hi == pytest.approx(stats.wilson_high[0], abs=0.02)
    np.testing.assert_array_equal(bootstrap_intervals(counts[:1], total, "error_rate", 2000, 0),
                                  boot)  # seeded
    assert np.isnan(bootstrap_intervals(counts[:1], total, "error_rate", 0)).all()
