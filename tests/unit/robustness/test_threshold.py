"""Threshold sensitivity equals fairlearn's and scikit-learn's metrics at every threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference
from sklearn.metrics import accuracy_score

from audit.robustness import RobustnessInputError, threshold_sensitivity


def test_curves_equal_fairlearn_and_sklearn(adult, scorer):
    scores = scorer(adult.test.X)
    frame = adult.test.sensitive[["sex", "age"]]
    grid = [0.2, 0.5, 0.8]
    ts = threshold_sensitivity(adult.test.y, scores, frame, thresholds=grid)
    curves = {(c.metric, c.feature): c for c in ts.curves}
    for i, t in enumerate(grid):
        pred = (scores >= t).astype(int)
        assert curves["accuracy", ""].values[i] == pytest.approx(accuracy_score(adult.test.y, pred))
        for f in ("sex", "age"):
            sf = frame[f].to_numpy()
            assert curves["demographic_parity_difference", f].values[i] == pytest.approx(
                demographic_parity_difference(adult.test.y, pred, sensitive_features=sf))
            assert curves["equalized_odds_difference", f].values[i] == pytest.approx(
                equalized_odds_difference(adult.test.y, pred, sensitive_features=sf))


def test_slope_is_the_central_difference_at_the_operating_threshold():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    s = rng.random(500)
    ts = threshold_sensitivity(y, s, pd.DataFrame({"g": rng.choice(["a", "b"], 500)}),
                               thresholds=[0.2, 0.3, 0.4], operating_threshold=0.5, step=0.1)
    acc = next(c for c in ts.curves if c.metric == "accuracy")
    expected = (((s >= 0.6) == y).mean() - ((s >= 0.4) == y).mean()) / 0.2
    assert acc.slope == pytest.approx(expected)
    assert acc.at_operating == pytest.approx(((s >= 0.5) == y).mean())
    assert (acc.low, acc.high) == (min(acc.values), max(acc.values))


def test_length_mismatch_is_named():
    with pytest.raises(RobustnessInputError, match="lengths 2, 3, 2"):
        threshold_sensitivity([0, 1], [0.1, 0.2, 0.3], pd.DataFrame({"g": ["a", "b"]}),
                              thresholds=[0.3, 0.5])
