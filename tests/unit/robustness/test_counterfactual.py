"""Counterfactual stability of tabular models: re-encoding equals the preprocessor's, flip
counts equal a brute-force loop, intervals equal scipy's exact interval, degenerate cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from audit.data import build_tabular_dataset
from audit.robustness import (
    RobustnessAuditConfig,
    UnknownFeatureError,
    audit_robustness,
    counterfactual_stability,
    with_category,
    with_numeric,
)


@pytest.mark.parametrize("feature,value", [("sex", "Female"), ("sex", "Male"), ("race", "Black")])
def test_category_swap_equals_reencoding_through_the_preprocessor(adult, feature, value):
    raw = adult.test.raw.copy()
    raw[feature] = value
    expected = adult.preprocessor.transform(raw)
    np.testing.assert_array_equal(with_category(adult.test.X, adult.preprocessor, feature, value),
                                  expected)


def test_numeric_shift_equals_reencoding_through_the_preprocessor(adult):
    raw = adult.test.raw.copy()
    raw["age"] = np.clip(raw["age"] + 10, 17, 90)
    np.testing.assert_array_equal(
        with_numeric(adult.test.X, adult.preprocessor, "age", raw["age"].to_numpy()),
        adult.preprocessor.transform(raw))


def test_flip_counts_equal_a_brute_force_loop(adult, scorer):
    cf = counterfactual_stability(scorer, adult.test.X, adult.test.raw, adult.preprocessor, "race",
                                  threshold=0.5)
    base = scorer(adult.test.X) >= 0.5
    original = adult.test.raw["race"].astype(str).to_numpy()
    any_flip = np.zeros(len(base), dtype=bool)
    by_label = {fr.label: fr for fr in cf.by_change}
    for value in sorted(set(original)):
        raw = adult.test.raw.copy()
        raw["race"] = value
        new = scorer(adult.preprocessor.transform(raw)) >= 0.5
        any_flip |= new != base
        for group in sorted(set(original) - {value}):
            rows = original == group
            fr = by_label[f"{group} -> {value}"]
            assert (fr.n, fr.flips) == (rows.sum(), (new != base)[rows].sum())
            assert fr.to_positive == (new & ~base)[rows].sum()
    assert cf.overall.flips == any_flip.sum() > 0
    assert cf.overall.n == len(base) and cf.model_input and cf.kind == "categorical"


def test_interval_is_scipys_exact_clopper_pearson(adult, scorer):
    cf = counterfactual_stability(scorer, adult.test.X, adult.test.raw, adult.preprocessor, "sex")
    ci = binomtest(cf.overall.flips, cf.overall.n).proportion_ci(0.95, method="exact")
    assert cf.overall.interval.low == pytest.approx(ci.low, rel=1e-9)
    assert cf.overall.interval.high == pytest.approx(ci.high, rel=1e-9)
    assert cf.overall.interval.method == "Clopper-Pearson"
    assert cf.change == "swapped to the other category"


def test_model_that_ignores_the_attribute_never_flips(adult, scorer):
    sex_columns = list(adult.preprocessor.feature_groups_["sex"])

    def blind(X):
        X = X.copy()
        X[:, sex_columns] = 0.0
        return scorer(X)

    cf = counterfactual_stability(blind, adult.test.X, adult.test.raw, adult.preprocessor, "sex")
    assert cf.overall.flips == 0 and cf.overall.max_abs_delta == 0.0
    assert cf.overall.interval.low == 0.0 and 0 < cf.overall.interval.high < 3.7 / cf.overall.n


def test_numeric_shift_counts_only_rows_it_moves(adult, scorer):
    cf = counterfactual_stability(scorer, adult.test.X, adult.test.raw, adult.preprocessor, "age",
                                  shifts=[-10, 10], value_range=(17.0, 90.0))
    ages = adult.test.raw["age"].to_numpy()
    minus, plus = cf.by_change
    assert (minus.label, plus.label) == ("-10", "+10")
    assert minus.n == (ages > 17).sum() and plus.n == (ages < 90).sum()
    assert cf.kind == "numeric" and "clipped to the training range [17, 90]" in cf.change


def test_attribute_that_is_not_a_model_input_gives_zero_by_construction():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=200), "c": rng.choice(["u", "v"], 200),
                       "g": rng.choice(["a", "b"], 200), "y": rng.integers(0, 2, 200)})
    ds = build_tabular_dataset(df, df, target="y", sensitive_features=["g"],
                               use_sensitive_as_features=False)
    section = audit_robustness(lambda X: 1 / (1 + np.exp(-X[:, 0])), ds,
                               RobustnessAuditConfig(enabled=True), seed=0)
    cf = section.counterfactual[0]
    assert not cf.model_input and cf.overall.flips == 0 and cf.overall.n == 200
    assert "0 by construction" in cf.note
    assert "not a model input" in section.reading[0]


def test_unknown_feature_is_named_with_a_suggestion(adult, scorer):
    with pytest.raises(UnknownFeatureError, match="'sexx'.*Did you mean 'sex'"):
        audit_robustness(scorer, adult, RobustnessAuditConfig(sensitive_features=["sexx"]))


def test_unknown_perturb_feature_is_named(adult, scorer):
    with pytest.raises(UnknownFeatureError, match="perturb_features: 'hours'"):
        audit_robustness(scorer, adult, RobustnessAuditConfig(perturb_features=["hours"],
                                                              noise_scales=[0.1]))


def test_scores_outside_unit_interval_are_refused(adult):
    from audit.robustness import RobustnessInputError

    with pytest.raises(RobustnessInputError, match="probabilities in \\[0, 1\\]"):
        counterfactual_stability(lambda X: X[:, 0] * 10, adult.test.X, adult.test.raw,
                                 adult.preprocessor, "sex")
