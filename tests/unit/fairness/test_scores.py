"""Score metrics per group equal scikit-learn's; their bootstrap equals a naive row bootstrap."""

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame
from sklearn.calibration import calibration_curve
from sklearn.metrics import roc_auc_score

from audit.fairness import FairnessAuditConfig, bootstrap_score_metrics, group_fairness, score_metrics
from tests.unit.fairness._data import synthetic


def _codes(groups):
    return pd.factorize(groups, sort=True)[0]


def test_auc_per_group_equals_metricframe_roc_auc():
    y, _, score, groups = synthetic()
    codes = _codes(groups.race)
    ours = score_metrics(y, score, codes, 4).roc_auc
    expected = MetricFrame(metrics={"auc": roc_auc_score}, y_true=y, y_pred=score,
                           sensitive_features=groups.race).by_group["auc"]
    np.testing.assert_allclose(ours, expected.to_numpy(), rtol=0, atol=1e-12)


def test_reliability_and_ece_follow_sklearn_calibration_curve():
    y, _, score, groups = synthetic()
    pf = group_fairness(y, y_score=score, sensitive_features=groups[["sex"]],
                        config=FairnessAuditConfig(bootstrap_replicates=0,
                                                   score_bootstrap_replicates=0,
                                                   calibration_bins=8))
    for g in pf.groups:
        mask = (groups.sex == g.group).to_numpy()
        frac, mean = calibration_curve(y[mask], score[mask], n_bins=8, strategy="uniform")
        np.testing.assert_allclose(g.reliability.fraction_positive, frac, atol=1e-12)
        np.testing.assert_allclose(g.reliability.mean_predicted, mean, atol=1e-12)
        counts = np.asarray(g.reliability.counts)
        ece = np.sum(counts / counts.sum() * np.abs(frac - mean))
        assert g.metrics["expected_calibration_error"].value == pytest.approx(ece, abs=1e-12)
        assert sum(g.reliability.counts) == g.size


def test_score_bootstrap_equals_naive_row_bootstrap_with_the_same_draws():
    y, _, score, groups = synthetic(n=600)
    codes = _codes(groups.sex)
    auc, ece = bootstrap_score_metrics(y, score, codes, 2, n_replicates=5, seed=3,
                                       n_bins=10)
    idx = np.random.default_rng(3).integers(0, 600, size=(5, 600))
    for r in range(5):
        yy, ss, cc = y[idx[r]], score[idx[r]], codes[idx[r]]
        for g in range(2):
            m = cc == g
            assert auc[r, g] == pytest.approx(roc_auc_score(yy[m], ss[m]), abs=1e-12)
            frac, mean = calibration_curve(yy[m], ss[m], n_bins=10)
            bins = np.searchsorted(np.linspace(0, 1, 11)[1:-1], ss[m])
            weights = np.bincount(bins, minlength=10)[np.bincount(bins, minlength=10) > 0]
            expected = np.sum(weights / m.sum() * np.abs(frac - mean))
            assert ece[r, g] == pytest.approx(expected, abs=1e-12)


def test_score_bootstrap_chunks_do_not_change_the_numbers():
    y, _, score, groups = synthetic(n=500)
    codes = _codes(groups.race)
    one = bootstrap_score_metrics(y, score, codes, 4, n_replicates=7, seed=0)
    # chunks of one replicate draw the same rows in the same order
    many = bootstrap_score_metrics(y, score, codes, 4, n_replicates=7, seed=0,
                                   max_chunk_rows=500)
    np.testing.assert_array_equal(one[0], many[0])
    np.testing.assert_array_equal(one[1], many[1])


def test_auc_undefined_for_a_single_class_group():
    y, _, score, groups = synthetic(empty_positive_group=True)
    pf = group_fairness(y, y_score=score, sensitive_features=groups[["race"]],
                        config=FairnessAuditConfig(bootstrap_replicates=0,
                                                   score_bootstrap_replicates=20))
    other = next(g for g in pf.groups if g.group == "Other")
    auc = other.metrics["roc_auc"]
    assert np.isnan(auc.value)
    assert auc.undefined_reason == "needs both actual positives and actual negatives in the group"


def test_without_scores_score_metrics_say_why():
    y, pred, _, groups = synthetic(n=300)
    pf = group_fairness(y, pred, sensitive_features=groups[["sex"]],
                        config=FairnessAuditConfig(bootstrap_replicates=0))
    m = pf.groups[0].metrics["roc_auc"]
    assert np.isnan(m.value) and m.undefined_reason == "no scores were given (pass y_score)"
    assert pf.histogram is None and pf.groups[0].reliability is None
