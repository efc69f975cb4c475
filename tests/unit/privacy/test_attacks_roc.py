"""ROC, AUC (DeLong), Clopper-Pearson and TPR at fixed FPR: hand examples and library cross-checks."""

import numpy as np
import pytest
from scipy.stats import binomtest
from sklearn.metrics import roc_auc_score, roc_curve

from audit.privacy._roc import (
    MAX_STORED_ROC_POINTS,
    auc_delong,
    clopper_pearson,
    fpr_key,
    roc_points,
    tpr_at_fpr,
)


def scores(seed=0, n_pos=300, n_neg=400, shift=0.7, ties=False):
    rng = np.random.default_rng(seed)
    pos, neg = rng.normal(shift, 1, n_pos), rng.normal(0, 1, n_neg)
    if ties:
        pos, neg = np.round(pos, 1), np.round(neg, 1)
    return pos, neg


@pytest.mark.parametrize("ties", [False, True])
def test_roc_and_auc_equal_sklearn(ties):
    pos, neg = scores(ties=ties)
    y = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
    s = np.r_[pos, neg]
    fpr, tpr, thr = roc_curve(y, s, drop_intermediate=False)
    points = roc_points(pos, neg)
    np.testing.assert_allclose(points.fpr, fpr, rtol=0, atol=1e-15)
    np.testing.assert_allclose(points.tpr, tpr, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(points.thresholds[1:], thr[1:])
    auc, _ = auc_delong(pos, neg)
    assert auc == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert np.trapezoid(points.tpr, points.fpr) == pytest.approx(auc, abs=1e-12)


def test_delong_variance_equals_brute_force():
    pos, neg = scores(n_pos=40, n_neg=50, ties=True)
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    se = np.sqrt(v10.var(ddof=1) / len(pos) + v01.var(ddof=1) / len(neg))
    auc, interval = auc_delong(pos, neg, level=0.95)
    assert auc == pytest.approx(psi.mean(), abs=1e-12)
    assert interval.low == pytest.approx(auc - 1.959963984540054 * se, abs=1e-12)
    assert interval.high == pytest.approx(auc + 1.959963984540054 * se, abs=1e-12)
    assert interval.method == "delong"


def test_auc_degenerate_sides():
    auc, interval = auc_delong(np.array([1.0]), np.array([0.0]))
    assert auc == 1.0 and np.isnan(interval.low)
    auc, _ = auc_delong(np.array([]), np.array([0.0]))
    assert np.isnan(auc)


@pytest.mark.parametrize("k,n", [(0, 10), (3, 10), (10, 10), (1, 1000), (57, 400)])
def test_clopper_pearson_equals_scipy(k, n):
    low, high = clopper_pearson(k, n, 0.95)
    ref = binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    assert float(low) == pytest.approx(ref.low, abs=1e-10)
    assert float(high) == pytest.approx(ref.high, abs=1e-10)


def test_tpr_at_fpr_hand_example():
    # members 10..19, non-members 0..9 plus one non-member scoring 15 (above half the members)
    members = np.arange(10.0, 20.0)
    nonmembers = np.r_[np.arange(0.0, 9.0), 15.0]
    points = roc_points(members, nonmembers)
    # FPR <= 0: thresholds above 15 only -> members 16..19 -> TPR 0.4
    op = tpr_at_fpr(points, 0.05)
    assert (op.tpr, op.fpr, op.true_positives, op.false_positives) == (0.4, 0.0, 4, 0)
    assert op.threshold == 16.0
    # FPR <= 0.1: the non-member at 15 may be a false positive -> all 10 members above 10
    op = tpr_at_fpr(points, 0.1)
    assert (op.tpr, op.fpr, op.true_positives, op.false_positives) == (1.0, 0.1, 10, 1)
    ref = binomtest(4, 10).proportion_ci(method="exact")
    low = tpr_at_fpr(points, 0.05).interval
    assert (low.low, low.high) == pytest.approx((ref.low, ref.high))
    assert tpr_at_fpr(points, 0.0).tpr == 0.4


def test_downsampled_roc_keeps_ends_and_low_fpr():
    pos, neg = scores(n_pos=5000, n_neg=5000)
    points = roc_points(pos, neg)
    curve = points.downsample()
    assert len(curve.fpr) <= MAX_STORED_ROC_POINTS < curve.n_points_full
    assert (curve.fpr[0], curve.tpr[0]) == (0.0, 0.0)
    assert (curve.fpr[-1], curve.tpr[-1]) == (1.0, 1.0)
    assert sum(f <= 0.01 for f in curve.fpr) >= 30  # the low-FPR region survives
    assert list(curve.fpr) == sorted(curve.fpr)
    # every stored point is a real operating point
    full = set(zip(points.fpr.tolist(), points.tpr.tolist()))
    assert set(zip(curve.fpr, curve.tpr)) <= full


def test_fpr_keys():
    assert [fpr_key(a) for a in (0.001, 0.01, 0.1)] == ["0.001", "0.01", "0.1"]
