"""Mitigation: reweighing weights, the scikit-learn wrapper of the training core, all methods."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone

from audit.data import build_tabular_dataset
from audit.fairness import FairnessAuditConfig, TorchClassifier, reweighing_weights, run_mitigations
from audit.models import build_model


def test_reweighing_makes_label_independent_of_group():
    rng = np.random.default_rng(0)
    g = rng.choice(["a", "b", "c"], 5000, p=[0.6, 0.3, 0.1])
    y = (rng.random(5000) < np.select([g == "a", g == "b"], [0.5, 0.2], 0.05)).astype(int)
    w = reweighing_weights(y, g)
    assert w.mean() == pytest.approx(1.0, abs=1e-12)
    rates = [np.average(y[g == k], weights=w[g == k]) for k in "abc"]
    np.testing.assert_allclose(rates, y.mean(), atol=1e-12)
    # Kamiran-Calders: P(g) P(y) / P(g, y), pinned on a tiny example
    np.testing.assert_allclose(reweighing_weights([1, 0, 0, 0], ["a", "a", "b", "b"]),
                               [0.5, 1.5, 0.75, 0.75])


def _linear(seed):
    torch.manual_seed(seed)
    return torch.nn.Linear(2, 2)


def test_torch_classifier_honours_sample_weight_and_clones():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    clf = TorchClassifier(_linear, epochs=5, batch_size=64, learning_rate=0.05)
    plain = clf.fit(X, y).predict(X)
    assert (plain == y).mean() > 0.9
    only_negatives = np.where(y == 1, 0.0, 1.0)  # weight 0 on every positive row
    weighted = clone(clf).fit(X, y, sample_weight=only_negatives).predict(X)
    assert weighted.mean() < 0.25 < 0.4 < plain.mean()
    ones = clone(clf).fit(X, y, sample_weight=np.ones(400)).predict_proba(X)
    np.testing.assert_allclose(ones, clf.predict_proba(X), rtol=0, atol=1e-6)
    assert clf.predict_proba(X).shape == (400, 2) and list(clf.classes_) == [0, 1]


@pytest.fixture(scope="module")
def small_dataset():
    rng = np.random.default_rng(0)
    n = 2400
    sex = rng.choice(["Female", "Male"], n, p=[0.4, 0.6])
    x1 = rng.normal(size=n) + (sex == "Male") * 0.7
    x2 = rng.normal(size=n)
    y = np.where(x1 + 0.5 * x2 + (sex == "Male") * 0.8 + rng.normal(scale=0.7, size=n) > 1.0,
                 "yes", "no")
    frame = pd.DataFrame({"x1": x1, "x2": x2, "sex": sex, "y": y})
    return build_tabular_dataset(frame.iloc[:1800], frame.iloc[1800:], target="y",
                                 positive_label="yes", sensitive_features=["sex"], seed=0)


def test_every_mitigation_reports_before_after_and_cost(small_dataset):
    ds = small_dataset
    torch.manual_seed(0)
    model = build_model("mlp", input_width=ds.n_features, hidden_sizes=[16], dropout=0.0)
    from audit.training import fit

    model = fit(model, ds.train.to_torch(), epochs=5, batch_size=128, progress=False,
                device="cpu").model
    config = FairnessAuditConfig(bootstrap_replicates=50, mitigation={
        "enabled": True, "epochs": 4, "batch_size": 128, "exponentiated_gradient_max_iter": 4,
        "exponentiated_gradient_epochs": 2})
    outcomes = run_mitigations(ds, model, config, seed=0)
    names = [o.method for o in outcomes]
    assert names == ["reweighing", "correlation_remover", "threshold_optimizer[demographic_parity]",
                     "threshold_optimizer[equalized_odds]",
                     "exponentiated_gradient[demographic_parity]",
                     "exponentiated_gradient[equalized_odds]"]
    dp = lambda p: next(d for d in p.disparities if d.name == "demographic_parity_difference")  # noqa: E731
    by = {o.method: o for o in outcomes}
    for o in outcomes:
        assert o.feature == "sex" and len(o.after.groups) == 2
        assert o.accuracy_cost == pytest.approx(o.accuracy_before - o.accuracy_after)
        assert 0.5 < o.accuracy_after <= 1.0
        assert o.before.groups[0].metrics["accuracy"].interval is not None
    # the constraint is what the method reduces
    assert dp(by["threshold_optimizer[demographic_parity]"].after).value < 0.5 * dp(
        by["threshold_optimizer[demographic_parity]"].before).value
    assert dp(by["exponentiated_gradient[demographic_parity]"].after).value < dp(
        by["exponentiated_gradient[demographic_parity]"].before).value
    assert dp(by["reweighing"].after).value < dp(by["reweighing"].before).value
    assert by["threshold_optimizer[equalized_odds]"].baseline == "the audited model"
    assert torch.get_num_threads() >= 1
