"""ROC AUC, ROC curves and calibration against scikit-learn."""

import numpy as np
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import roc_auc_score, roc_curve

from audit.fairness._scores import score_metrics
from audit.privacy._roc import auc_delong, roc_points


def _scores(n=3000, seed=0, *, rounded=True):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    s = 1 / (1 + np.exp(-(rng.normal(size=n) + 1.2 * y - 0.6)))
    if rounded:
        s = np.round(s, 2)  # ties, and scores on the bin edges
    return y, s, rng.integers(0, 3, n)


@pytest.mark.parametrize("rounded", [True, False])
def test_group_auc_equals_roc_auc_score(rounded):
    y, s, codes = _scores(rounded=rounded)
    ours = score_metrics(y, s, codes, 3).roc_auc
    for g in range(3):
        assert ours[g] == pytest.approx(roc_auc_score(y[codes == g], s[codes == g]), abs=1e-12)


def test_attack_auc_and_roc_points_equal_sklearn():
    y, s, _ = _scores(seed=1)
    members, nonmembers = s[y == 1], s[y == 0]
    auc, _ = auc_delong(members, nonmembers)
    assert auc == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    fpr, tpr, thresholds = roc_curve(y, s, drop_intermediate=False)
    points = roc_points(members, nonmembers)
    np.testing.assert_allclose(points.fpr, fpr, atol=1e-15)
    np.testing.assert_allclose(points.tpr, tpr, atol=1e-15)
    np.testing.assert_array_equal(points.thresholds[1:], thresholds[1:])


@pytest.mark.parametrize("n_bins", [5, 10, 20])
def test_reliability_and_ece_equal_calibration_curve(n_bins):
    y, s, codes = _scores(seed=2)
    m = score_metrics(y, s, codes, 3, n_bins=n_bins)
    for g in range(3):
        yg, sg = y[codes == g], s[codes == g]
        prob_true, prob_pred = calibration_curve(yg, sg, n_bins=n_bins, strategy="uniform")
        nz = m.bin_count[g] > 0
        np.testing.assert_allclose(m.bin_sum_y[g][nz] / m.bin_count[g][nz], prob_true, atol=1e-12)
        np.testing.assert_allclose(m.bin_sum_score[g][nz] / m.bin_count[g][nz], prob_pred,
                                   atol=1e-12)
        weights = m.bin_count[g][nz] / len(yg)
        ece = float((weights * np.abs(prob_true - prob_pred)).sum())
        assert m.expected_calibration_error[g] == pytest.approx(ece, abs=1e-12)
