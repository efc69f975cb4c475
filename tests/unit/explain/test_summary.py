"""Global importance, group means and association measures, cross-checked with scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats.contingency import association as scipy_association

from audit.explain import correlation_ratio, cramers_v, global_importance, group_means


def test_global_importance_is_mean_absolute_with_a_bootstrap_interval():
    rng = np.random.default_rng(0)
    grouped = rng.normal(size=(400, 3)) * np.array([1.0, 2.0, 0.1])
    gi = global_importance(grouped, ["a", "b", "c"], bootstrap_replicates=500, seed=1)
    np.testing.assert_allclose(gi.importance, np.abs(grouped).mean(axis=0))
    assert np.all(gi.low < gi.importance) and np.all(gi.importance < gi.high)
    # the interval is about +-1.96 standard errors of the mean
    se = np.abs(grouped).std(axis=0, ddof=1) / np.sqrt(len(grouped))
    np.testing.assert_allclose(gi.high - gi.low, 2 * 1.96 * se, rtol=0.2)
    again = global_importance(grouped, ["a", "b", "c"], bootstrap_replicates=500, seed=1)
    np.testing.assert_array_equal(gi.low, again.low)


def test_group_means():
    out = group_means(np.array([[1.0, -1.0], [3.0, 1.0], [-2.0, 0.0]]), ["m", "m", "f"])
    assert list(out) == ["f", "m"]
    n, mean, mean_abs = out["m"]
    assert n == 2 and mean.tolist() == [2.0, 0.0] and mean_abs.tolist() == [2.0, 1.0]


def test_cramers_v_equals_scipy():
    rng = np.random.default_rng(0)
    a = rng.choice(list("xyz"), size=500)
    b = np.where(rng.random(500) < 0.6, a, rng.choice(list("xyzw"), size=500))
    table = pd.crosstab(a, b).to_numpy()
    assert cramers_v(a, b) == pytest.approx(scipy_association(table, method="cramer"), abs=1e-12)


def test_correlation_ratio_matches_one_way_anova():
    rng = np.random.default_rng(0)
    groups = rng.choice(["a", "b", "c"], size=300)
    values = rng.normal(size=300) + (groups == "b") * 1.0
    eta = correlation_ratio(groups, values)
    f = stats.f_oneway(*(values[groups == g] for g in "abc")).statistic
    k, n = 3, 300
    assert eta**2 == pytest.approx(f * (k - 1) / (f * (k - 1) + (n - k)), rel=1e-10)
    assert correlation_ratio(groups, np.ones(300)) == 0.0
