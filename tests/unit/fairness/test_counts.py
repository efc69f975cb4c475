"""Count metrics from cell counts equal fairlearn's MetricFrame; counts merge; intervals."""

import functools

import numpy as np
import pandas as pd
import pytest
from fairlearn import metrics as flm
from scipy.stats import binomtest
from sklearn import metrics as skm

from audit.core import quantile_interval
from audit.fairness import (
    FairnessAuditConfig,
    GroupCounts,
    bootstrap_counts,
    group_fairness,
    metrics_from_counts,
    wilson_bounds,
)
from tests.unit.fairness._data import synthetic

FAIRLEARN = {
    "selection_rate": flm.selection_rate,
    "true_positive_rate": flm.true_positive_rate,
    "false_positive_rate": flm.false_positive_rate,
    "false_negative_rate": flm.false_negative_rate,
    "precision": functools.partial(skm.precision_score, zero_division=np.nan),
    "accuracy": skm.accuracy_score,
    "balanced_accuracy": skm.balanced_accuracy_score,
    "base_rate": lambda y_true, y_pred: flm.selection_rate(y_true, y_true),
}


@pytest.mark.parametrize("features", [["sex"], ["race"], ["sex", "race"]])
def test_every_count_metric_equals_metricframe(features):
    y, pred, _, groups = synthetic()
    counts = GroupCounts.from_predictions(y, pred, groups[features])
    ours = counts.metrics()
    frame = flm.MetricFrame(metrics=FAIRLEARN, y_true=y, y_pred=pred,
                            sensitive_features=groups[features])
    by_group = frame.by_group
    assert len(by_group) == len(counts.groups)
    for i, labels in enumerate(counts.groups):
        key = labels if len(labels) > 1 else labels[0]
        for name in FAIRLEARN:
            assert ours[name][i] == pytest.approx(by_group.loc[key, name], abs=1e-12, rel=0), (
                name, key)
        assert counts.sizes[i] == flm.MetricFrame(
            metrics=flm.count, y_true=y, y_pred=pred,
            sensitive_features=groups[features]).by_group.loc[key]


def test_disparities_equal_fairlearn_functions():
    y, pred, _, groups = synthetic()
    for features in (["sex"], ["race"], ["sex", "race"]):
        sf = groups[features]
        ours = GroupCounts.from_predictions(y, pred, sf).disparities()
        expected = {
            "demographic_parity_difference": flm.demographic_parity_difference,
            "demographic_parity_ratio": flm.demographic_parity_ratio,
            "equalized_odds_difference": flm.equalized_odds_difference,
            "equalized_odds_ratio": flm.equalized_odds_ratio,
            "equal_opportunity_difference": flm.equal_opportunity_difference,
        }
        for name, fn in expected.items():
            assert ours[name] == pytest.approx(fn(y, pred, sensitive_features=sf), abs=1e-12), name
        assert ours["four_fifths_rule"] == ours["demographic_parity_ratio"]


def test_pinned_values_of_a_hand_counted_example():
    y = [1, 1, 0, 0, 1, 0, 0, 0]
    pred = [1, 0, 1, 0, 1, 1, 0, 0]
    counts = GroupCounts.from_predictions(y, pred, {"g": list("aaaabbbb")})
    np.testing.assert_array_equal(counts.counts, [[[1, 1], [1, 1]], [[2, 1], [0, 1]]])
    m = counts.metrics()
    np.testing.assert_allclose(m["selection_rate"], [0.5, 0.5])
    np.testing.assert_allclose(m["true_positive_rate"], [0.5, 1.0])
    np.testing.assert_allclose(m["false_positive_rate"], [0.5, 1 / 3])
    np.testing.assert_allclose(m["balanced_accuracy"], [0.5, (1 + 2 / 3) / 2])
    d = counts.disparities()
    assert d["demographic_parity_difference"] == 0.0
    assert d["equalized_odds_difference"] == pytest.approx(0.5)
    assert d["equalized_odds_ratio"] == pytest.approx(0.5)


def test_counts_of_chunks_add_up_to_the_whole():
    y, pred, _, groups = synthetic(n=5000)
    whole = GroupCounts.from_predictions(y, pred, groups[["sex", "race"]])
    parts = [GroupCounts.from_predictions(y[s], pred[s], groups[["sex", "race"]].iloc[s])
             for s in (slice(0, 37), slice(37, 2900), slice(2900, None))]
    merged = parts[0] + parts[1] + parts[2]
    assert merged.groups == whole.groups
    np.testing.assert_array_equal(merged.counts, whole.counts)
    # a chunk may hold a single group (and groups may appear only in a later chunk)
    only_first = GroupCounts.from_predictions(y[:3], pred[:3], {"race": ["Other"] * 3})
    assert only_first.names == ("Other",)
    with pytest.raises(ValueError, match="cannot add counts"):
        _ = whole + only_first


def test_categorical_levels_without_rows_are_empty_groups_with_undefined_metrics():
    sf = pd.Series(pd.Categorical(["a", "a", "b", "b"], categories=["a", "b", "c"]), name="g")
    pf = group_fairness([1, 0, 1, 0], [1, 0, 0, 0], sensitive_features=sf,
                        config=FairnessAuditConfig(bootstrap_replicates=50))
    empty = pf.groups[2]
    assert (empty.group, empty.size, empty.small) == ("c", 0, True)
    for name, value in empty.metrics.items():
        assert np.isnan(value.value) and value.undefined_reason, name


def test_undefined_metric_is_nan_with_a_reason_where_fairlearn_says_zero():
    y, pred, _, groups = synthetic(empty_positive_group=True)
    pf = group_fairness(y, pred, sensitive_features=groups[["race"]],
                        config=FairnessAuditConfig(bootstrap_replicates=100))
    other = next(g for g in pf.groups if g.group == "Other")
    tpr = other.metrics["true_positive_rate"]
    assert np.isnan(tpr.value)
    assert tpr.undefined_reason == "no actual positives in this group (the rate divides by them)"
    assert np.isnan(other.metrics["false_negative_rate"].value)
    assert np.isnan(other.metrics["balanced_accuracy"].value)
    assert other.metrics["false_positive_rate"].undefined_reason == ""
    # fairlearn returns 0 here; we refuse to show 0
    assert flm.true_positive_rate(y[groups.race == "Other"], pred[groups.race == "Other"]) == 0
    eo = next(d for d in pf.disparities if d.name == "equal_opportunity_difference")
    assert eo.excluded_groups == ("Other",)
    assert not np.isnan(eo.value)


def test_small_groups_are_flagged_with_their_size():
    y, pred, _, groups = synthetic(n=2000)
    pf = group_fairness(y, pred, sensitive_features=groups[["sex", "race"]],
                        config=FairnessAuditConfig(min_group_size=60, bootstrap_replicates=0))
    for g in pf.groups:
        assert g.small == (g.size < 60)
    assert any(g.small for g in pf.groups) and not all(g.small for g in pf.groups)
    assert sum(g.size for g in pf.groups) == 2000


def test_wilson_bounds_equal_scipy():
    k = np.array([0, 1, 7, 50, 99, 100])
    n = np.array([100, 100, 30, 100, 100, 100])
    lo, hi = wilson_bounds(k, n, 0.9)
    for i in range(len(k)):
        ci = binomtest(int(k[i]), int(n[i])).proportion_ci(0.9, method="wilson")
        assert lo[i] == pytest.approx(ci.low, abs=1e-12)
        assert hi[i] == pytest.approx(ci.high, abs=1e-12)
    lo, hi = wilson_bounds(np.array([0]), np.array([0]))
    assert np.isnan(lo[0]) and np.isnan(hi[0])


def test_multinomial_bootstrap_is_a_row_bootstrap():
    y, pred, _, groups = synthetic(n=4000)
    counts = GroupCounts.from_predictions(y, pred, groups[["race"]])
    boot = bootstrap_counts(counts.counts, 2000, seed=1)
    assert boot.shape == (2000, 4, 2, 2)
    assert (boot.sum(axis=(1, 2, 3)) == 4000).all()
    np.testing.assert_array_equal(boot, bootstrap_counts(counts.counts, 2000, seed=1))
    # the same spread as resampling rows with replacement
    rng = np.random.default_rng(2)
    codes = pd.factorize(groups.race, sort=True)[0]
    row_rates = []
    for _ in range(400):
        idx = rng.integers(0, 4000, 4000)
        c = np.bincount(codes[idx] * 4 + y[idx] * 2 + pred[idx], minlength=16).reshape(4, 2, 2)
        row_rates.append(metrics_from_counts(c)["selection_rate"])
    boot_rates = metrics_from_counts(boot)["selection_rate"]
    np.testing.assert_allclose(boot_rates.std(axis=0), np.std(row_rates, axis=0), rtol=0.15)
    np.testing.assert_allclose(boot_rates.mean(axis=0), counts.metrics()["selection_rate"],
                               atol=0.005)


def test_quantile_interval_matches_nanquantile_and_tolerates_all_nan():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(501, 3))
    x[::7, 1] = np.nan
    lo, hi = quantile_interval(x, 0.9)
    np.testing.assert_allclose(lo, np.nanquantile(x, 0.05, axis=0), rtol=0, atol=1e-15)
    np.testing.assert_allclose(hi, np.nanquantile(x, 0.95, axis=0), rtol=0, atol=1e-15)
    lo, hi = quantile_interval(np.full((10, 2), np.nan))
    assert np.isnan(lo).all() and np.isnan(hi).all()


def test_intervals_contain_the_estimate_and_are_seeded():
    y, pred, score, groups = synthetic()
    config = FairnessAuditConfig(bootstrap_replicates=300, score_bootstrap_replicates=30)
    a = group_fairness(y, pred, y_score=score, sensitive_features=groups[["sex"]], config=config,
                       seed=5)
    b = group_fairness(y, pred, y_score=score, sensitive_features=groups[["sex"]], config=config,
                       seed=5)
    assert a == b
    for g in a.groups:
        for name, m in g.metrics.items():
            assert m.interval.low <= m.value <= m.interval.high, name
            if m.wilson is not None:
                assert m.wilson.low <= m.value <= m.wilson.high
    for d in a.disparities:
        assert d.interval.low <= d.value <= d.interval.high, d.name


def test_user_metric_is_delegated_to_metricframe():
    y, pred, _, groups = synthetic()
    f2 = functools.partial(skm.fbeta_score, beta=2)
    pf = group_fairness(y, pred, sensitive_features=groups[["sex", "race"]],
                        metrics={"f2": f2}, config=FairnessAuditConfig(bootstrap_replicates=0))
    expected = flm.MetricFrame(metrics={"f2": f2}, y_true=y, y_pred=pred,
                               sensitive_features=groups[["sex", "race"]]).by_group
    for g in pf.groups:
        assert g.metrics["f2"].value == pytest.approx(expected.loc[g.labels, "f2"], abs=1e-12)


def test_bin_labels_sort_by_value_and_chunks_merge_in_that_order():
    y, pred = [1, 0, 1, 0, 1, 1], [1, 1, 0, 0, 1, 0]
    age = [">=65", "<25", "25-45", "45-65", "<25", "25-45"]
    counts = GroupCounts.from_predictions(y, pred, {"age": age})
    assert counts.names == ("<25", "25-45", "45-65", ">=65")
    merged = (GroupCounts.from_predictions(y[:3], pred[:3], {"age": age[:3]})
              + GroupCounts.from_predictions(y[3:], pred[3:], {"age": age[3:]}))
    assert merged.groups == counts.groups
    np.testing.assert_array_equal(merged.counts, counts.counts)
