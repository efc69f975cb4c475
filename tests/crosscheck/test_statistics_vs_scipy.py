"""Every test statistic and interval rai-audit computes itself, against scipy."""

import itertools

import numpy as np
import pytest
from scipy import stats

from audit.core import bh_qvalues, wilson_bounds
from audit.error_analysis._stats import two_proportion_pvalues
from audit.explain._summary import correlation_ratio, cramers_v, spearman
from audit.privacy._roc import auc_delong, clopper_pearson
from audit.text_bias._seat import weat

CASES = [(0, 10), (1, 10), (5, 10), (10, 10), (3, 250), (120, 250), (999, 1000)]


@pytest.mark.parametrize("level", [0.9, 0.95, 0.999])
def test_wilson_and_clopper_pearson_equal_binomtest(level):
    for k, n in CASES:
        ci = stats.binomtest(k, n).proportion_ci(level, method="wilson")
        lo, hi = wilson_bounds(np.array([k]), np.array([n]), level)
        assert (float(lo[0]), float(hi[0])) == pytest.approx((ci.low, ci.high), abs=1e-12)
        ci = stats.binomtest(k, n).proportion_ci(level, method="exact")
        lo, hi = clopper_pearson(k, n, level)
        assert (float(lo), float(hi)) == pytest.approx((ci.low, ci.high), abs=1e-10)


def test_two_proportion_z_test_equals_chi_square_without_correction():
    for x1, n1, x2, n2 in [(30, 100, 20, 100), (5, 40, 17, 60), (0, 50, 3, 50), (400, 1000, 430, 1200)]:
        ours = two_proportion_pvalues(np.array([x1]), np.array([n1]), np.array([x2]), np.array([n2]))
        chi2 = stats.chi2_contingency([[x1, n1 - x1], [x2, n2 - x2]], correction=False)
        assert float(ours[0]) == pytest.approx(chi2.pvalue, rel=1e-10)


def test_benjamini_hochberg_equals_false_discovery_control():
    p = np.random.default_rng(0).uniform(size=40) ** 3
    p[5] = np.nan
    q = bh_qvalues(p)
    keep = ~np.isnan(p)
    np.testing.assert_allclose(q[keep], stats.false_discovery_control(p[keep], method="bh"))
    assert np.isnan(q[5])


def test_auc_equals_mann_whitney_u():
    rng = np.random.default_rng(1)
    pos, neg = np.round(rng.normal(0.5, 1, 300), 1), np.round(rng.normal(0, 1, 400), 1)
    auc, interval = auc_delong(pos, neg)
    u = stats.mannwhitneyu(pos, neg).statistic
    assert auc == pytest.approx(u / (len(pos) * len(neg)), abs=1e-12)
    assert interval.low < auc < interval.high


def test_association_measures_equal_scipy():
    rng = np.random.default_rng(2)
    a = rng.choice(["x", "y", "z"], 500)
    b = np.where(rng.random(500) < 0.6, a, rng.choice(["x", "y", "z"], 500))
    table = stats.contingency.crosstab(a, b).count
    assert cramers_v(a, b) == pytest.approx(
        stats.contingency.association(table, method="cramer"), abs=1e-12)
    values = rng.normal(size=500) + (a == "x")
    groups = [values[a == g] for g in ("x", "y", "z")]
    f = stats.f_oneway(*groups).statistic
    df_between, df_within = 2, 500 - 3
    eta2 = f * df_between / (f * df_between + df_within)
    assert correlation_ratio(a, values) == pytest.approx(np.sqrt(eta2), abs=1e-12)
    u, v = rng.normal(size=50), rng.normal(size=50)
    assert spearman(u, v) == pytest.approx(stats.spearmanr(u, v).statistic, abs=1e-15)


def test_weat_exact_permutation_p_value_equals_scipy_permutation_test():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(5, 4)) + 0.3, rng.normal(size=(5, 4))
    a, b = rng.normal(size=(4, 4)) + 0.3, rng.normal(size=(4, 4))
    ours = weat(x, y, a, b, n_permutations=10_000)
    assert ours.exact

    def s(w):
        def cos(u, v):
            return u @ v.T / np.linalg.norm(u, axis=1)[:, None] / np.linalg.norm(v, axis=1)[None, :]
        return cos(w, a).mean(axis=1) - cos(w, b).mean(axis=1)

    sx, sy = s(x), s(y)
    result = stats.permutation_test((sx, sy), lambda p, q, axis: p.sum(axis=axis) - q.sum(axis=axis),
                                    permutation_type="independent", alternative="greater",
                                    n_resamples=np.inf, vectorized=True)
    assert ours.statistic == pytest.approx(result.statistic, abs=1e-12)
    assert ours.p_value == pytest.approx(result.pvalue, abs=1e-12)
    assert ours.n_permutations == len(list(itertools.combinations(range(10), 5)))
