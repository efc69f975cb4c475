"""Score metrics from histograms: the AUC error bound holds and shrinks with more bins, the
binned ECE equals scikit-learn's calibration on continuous scores, and the histogram
bootstrap's 95% interval covers the true AUC about 95% of the time."""

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.calibration import calibration_curve
from sklearn.metrics import roc_auc_score

from audit.predictions._histograms import (
    binned_auc,
    bootstrap_histograms,
    calibration,
    histograms,
)
from audit.predictions._slices import linear_quantiles


def _hist(y, s, n_bins):
    b = np.clip(np.floor(s * n_bins).astype(int), 0, n_bins)  # bin n_bins: scores of 1.0
    codes = np.zeros(len(y), dtype=int)
    return histograms(codes, y, b, np.ones(len(y)), s, 1, n_bins)


@pytest.mark.parametrize("seed", range(5))
def test_binned_auc_is_within_its_bound_and_the_bound_shrinks(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 5000)
    s = np.clip(rng.normal(0.4 + 0.2 * y, 0.2), 0, 1)
    s[:300] = np.round(s[:300], 2)  # ties across rows count 1/2 in both
    exact = roc_auc_score(y, s)
    bounds = []
    for n_bins in (10, 100, 1000):
        h, _ = _hist(y, s, n_bins)
        auc, bound = binned_auc(h)
        assert abs(auc[0] - exact) <= bound[0] + 1e-15
        bounds.append(bound[0])
    assert bounds[0] > bounds[1] > bounds[2] and bounds[2] < 1e-3


def test_binned_ece_equals_the_reliability_curve_of_sklearn():
    rng = np.random.default_rng(1)
    s = rng.random(20_000)
    y = (rng.random(20_000) < s ** 1.3).astype(int)
    h, sums = _hist(y, s, 1000)
    ece, sum_y, sum_s, count = calibration(h, sums, 10)
    frac, mean = calibration_curve(y, s, n_bins=10, strategy="uniform")
    nz = count[0] > 0
    np.testing.assert_allclose(sum_y[0][nz] / count[0][nz], frac, rtol=1e-12)
    np.testing.assert_allclose(sum_s[0][nz] / count[0][nz], mean, rtol=1e-12)
    edges = np.linspace(0, 1, 11)
    which = np.clip(np.searchsorted(edges[1:-1], s), 0, 9)
    direct = sum(abs(y[which == k].sum() - s[which == k].sum()) for k in range(10)) / len(s)
    assert ece[0] == pytest.approx(direct, rel=1e-12)


@pytest.mark.slow
def test_histogram_bootstrap_interval_covers_the_true_auc():
    """Binormal scores: the true AUC is Phi(d / sqrt 2); 300 logs of 600 rows each."""
    rng = np.random.default_rng(7)
    d = 1.0
    truth = norm.cdf(d / np.sqrt(2))
    covered = 0
    trials = 300
    for _ in range(trials):
        y = rng.integers(0, 2, 600)
        s = 1 / (1 + np.exp(-(rng.normal(0, 1, 600) + d * y)))
        h, sums = _hist(y, s, 200)
        auc_b, _ = bootstrap_histograms(h, sums, 10, 300, seed=rng)
        lo, hi = np.quantile(auc_b[:, 0], [0.025, 0.975])
        covered += lo <= truth <= hi
    assert 0.91 <= covered / trials <= 0.985


def test_linear_quantiles_equal_numpy_on_many_tables():
    rng = np.random.default_rng(3)
    for _ in range(200):
        rows = rng.integers(0, rng.integers(2, 60), rng.integers(5, 500)).astype(float) * 0.37
        values, counts = np.unique(rows, return_counts=True)
        qs = np.linspace(0, 1, rng.integers(3, 12))[1:-1]
        np.testing.assert_array_equal(linear_quantiles(values, counts, qs), np.quantile(rows, qs))
