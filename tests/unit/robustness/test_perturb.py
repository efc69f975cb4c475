"""Noise and one-feature perturbation stability."""

from __future__ import annotations

import numpy as np

from audit.robustness import noise_stability, perturbation_stability


def _ranges(ds):
    return {f: (float(ds.train.raw[f].min()), float(ds.train.raw[f].max()))
            for f in ds.preprocessor.numeric}


def test_noise_is_seeded_and_grows_with_scale(adult, scorer):
    cols = [adult.preprocessor.feature_groups_[f][0] for f in adult.preprocessor.numeric]
    a = noise_stability(scorer, adult.test.X, cols, [0.01, 0.1, 0.5], seed=3)
    b = noise_stability(scorer, adult.test.X, cols, [0.01, 0.1, 0.5], seed=3)
    assert a == b
    flips = [s.overall.flips for s in a]
    assert flips[0] < flips[1] < flips[2]
    assert [s.overall.label for s in a] == ["noise 0.01 SD", "noise 0.1 SD", "noise 0.5 SD"]


def test_noise_on_ignored_columns_flips_nothing(adult, scorer):
    cols = [adult.preprocessor.feature_groups_[f][0] for f in adult.preprocessor.numeric]

    def ignores_numeric(X):
        X = X.copy()
        X[:, cols] = 0.0
        return scorer(X)

    out = noise_stability(ignores_numeric, adult.test.X, cols, [1.0])
    assert out[0].overall.flips == 0 and out[0].overall.mean_abs_delta == 0.0


def test_numeric_perturbation_equals_brute_force(adult, scorer):
    (p,) = perturbation_stability(scorer, adult.test.X, adult.test.raw, adult.preprocessor,
                                  ["hours-per-week"], ranges=_ranges(adult), fraction=0.05)
    lo, hi = _ranges(adult)["hours-per-week"]
    base = scorer(adult.test.X) >= 0.5
    flipped = np.zeros(len(base), dtype=bool)
    for sign in (-1, 1):
        raw = adult.test.raw.copy()
        raw["hours-per-week"] = np.clip(raw["hours-per-week"] + sign * 0.05 * (hi - lo), lo, hi)
        flipped |= (scorer(adult.preprocessor.transform(raw)) >= 0.5) != base
    assert p.overall.flips == flipped.sum() > 0 and p.kind == "numeric"


def test_categorical_perturbation_moves_every_row_to_another_category(adult, scorer):
    seen = []

    def spy(X):
        seen.append(X)
        return scorer(X)

    out = perturbation_stability(spy, adult.test.X, adult.test.raw, adult.preprocessor,
                                 ["occupation"], ranges={}, seed=1)
    cols = list(adult.preprocessor.feature_groups_["occupation"])
    before, after = seen[0][:, cols], seen[1][:, cols]
    assert (after.sum(axis=1) == 1).all()
    known = before.sum(axis=1) == 1
    assert (before[known].argmax(1) != after[known].argmax(1)).all()
    assert out[0].kind == "categorical" and out[0].overall.n == len(adult.test.X)


def test_ranking_is_most_sensitive_first(adult, scorer):
    out = perturbation_stability(scorer, adult.test.X, adult.test.raw, adult.preprocessor,
                                 ["hours-per-week", "capital-gain", "workclass"],
                                 ranges=_ranges(adult))
    rates = [p.overall.rate for p in out]
    assert rates == sorted(rates, reverse=True)
