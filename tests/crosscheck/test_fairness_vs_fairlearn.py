"""Fairness numbers against fairlearn: MetricFrame per group and its disparity functions.

Where a metric is undefined the two differ on purpose, and both behaviours are pinned here:
fairlearn's MetricFrame reports a true positive rate of 0 for a group with no actual positives
(a false positive rate of 0 for one with no actual negatives) and its disparities count that 0;
rai-audit reports the rate as undefined (NaN with a reason) and leaves the group out of the
disparity, which is undefined when fewer than two groups remain.
"""

import math

import numpy as np
import pandas as pd
import pytest
from fairlearn import metrics as flm
from sklearn.metrics import accuracy_score, balanced_accuracy_score, precision_score

from audit.fairness import FairnessAuditConfig, group_fairness
from tests.unit.fairness._data import synthetic

CONFIG = FairnessAuditConfig(bootstrap_replicates=0, score_bootstrap_replicates=0)
METRICS = {
    "selection_rate": flm.selection_rate,
    "true_positive_rate": flm.true_positive_rate,
    "false_positive_rate": flm.false_positive_rate,
    "false_negative_rate": flm.false_negative_rate,
    "accuracy": accuracy_score,
    "balanced_accuracy": balanced_accuracy_score,
    "precision": lambda y, p: precision_score(y, p, zero_division=np.nan),
}
DISPARITIES = {
    "demographic_parity_difference": flm.demographic_parity_difference,
    "demographic_parity_ratio": flm.demographic_parity_ratio,
    "equalized_odds_difference": flm.equalized_odds_difference,
    "equalized_odds_ratio": flm.equalized_odds_ratio,
    "equal_opportunity_difference": flm.equal_opportunity_difference,
}


@pytest.mark.parametrize("features", [["sex"], ["race"], ["sex", "race"]])
def test_group_metrics_and_disparities_equal_fairlearn(features):
    y, pred, _, groups = synthetic(n=4000, seed=5)
    sf = groups[features]
    ours = group_fairness(y, pred, sensitive_features=sf, config=CONFIG)
    frame = flm.MetricFrame(metrics=METRICS, y_true=y, y_pred=pred, sensitive_features=sf)
    for g in ours.groups:
        key = g.labels if len(g.labels) > 1 else g.labels[0]
        for name in METRICS:
            assert g.metrics[name].value == pytest.approx(frame.by_group.loc[key, name],
                                                          abs=1e-15), (g.group, name)
    values = {d.name: d.value for d in ours.disparities}
    for name, fn in DISPARITIES.items():
        assert values[name] == pytest.approx(fn(y, pred, sensitive_features=sf), abs=1e-15), name
    assert values["four_fifths_rule"] == values["demographic_parity_ratio"]


def test_undefined_rates_are_zero_in_fairlearn_and_undefined_here():
    y = np.array([0, 0, 0, 0, 1, 0, 1, 0])  # group a has no actual positives
    pred = np.array([1, 0, 1, 0, 1, 0, 0, 1])
    sf = pd.DataFrame({"g": list("aaaabbbb")})
    frame = flm.MetricFrame(metrics={"tpr": flm.true_positive_rate}, y_true=y, y_pred=pred,
                            sensitive_features=sf)
    assert frame.by_group.loc["a", "tpr"] == 0.0  # fairlearn: 0
    assert flm.equalized_odds_difference(y, pred, sensitive_features=sf) == 0.5  # counts that 0
    ours = group_fairness(y, pred, sensitive_features=sf, config=CONFIG)
    tpr = ours.groups[0].metrics["true_positive_rate"]
    assert math.isnan(tpr.value) and "no actual positives" in tpr.undefined_reason
    eo = {d.name: d for d in ours.disparities}["equalized_odds_difference"]
    assert math.isnan(eo.value) and eo.verdict == "undefined" and eo.excluded_groups == ("a",)
    # where both agree that it is undefined: no group selected, ratio 0 / 0
    none = np.zeros(8, dtype=int)
    assert math.isnan(flm.demographic_parity_ratio(y, none, sensitive_features=sf))
    assert math.isnan(group_fairness(y, none, sensitive_features=sf, config=CONFIG)
                      .disparities[1].value)
