"""Regression: a disparity whose metric is undefined in every group (or every bootstrap
replicate) divided inf by -inf and raised a RuntimeWarning (an error under pytest); it must be
NaN with a reason, silently."""

import math

import numpy as np

from audit.fairness import FairnessAuditConfig, disparities_from_metrics, group_fairness, metrics_from_counts


def test_all_groups_undefined_gives_nan_without_warning():
    counts = np.zeros((3, 2, 2))
    counts[:, 0, 0] = 5  # only true negatives: TPR undefined everywhere
    values = disparities_from_metrics(metrics_from_counts(counts))
    assert math.isnan(values["equal_opportunity_difference"])
    assert math.isnan(values["equalized_odds_ratio"])
    assert values["demographic_parity_difference"] == 0.0


def test_categorical_empty_level_with_bootstrap():
    import pandas as pd

    sf = pd.Series(pd.Categorical(["a", "b"] * 10, categories=["a", "b", "c"]), name="g")
    pf = group_fairness([0, 0] * 10, [0, 1] * 10, sensitive_features=sf,
                        config=FairnessAuditConfig(bootstrap_replicates=20))
    eo = next(d for d in pf.disparities if d.name == "equal_opportunity_difference")
    assert eo.verdict == "undefined" and "fewer than two groups" in eo.undefined_reason
