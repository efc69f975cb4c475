"""Mitigation on small and one-label groups (issue 16): merged into a stated bucket, or the
method skipped with its reason, never fairlearn's ``Degenerate labels`` traceback; retrains
with the audited model's own settings; a collapse below the majority class flagged."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch

from audit.data import build_tabular_dataset
from audit.fairness import FairnessAuditConfig
from audit.fairness._mitigation import mitigate, retrain_budget
from audit.fairness._mitigation_groups import BUCKET, merge_small_groups
from audit.models import build_model
from audit.training import fit


def test_small_and_one_label_groups_form_a_bucket_and_unseen_groups_join_it():
    groups = ["a"] * 40 + ["b"] * 40 + ["c"] * 12 + ["d"] * 15
    y = [0, 1] * 20 + [0, 1] * 20 + [0, 1] * 6 + [1] * 15
    plan = merge_small_groups(groups, y, also=["a", "e"])
    assert plan.target == BUCKET and not plan.skipped
    assert plan.merged == ("c (12 rows)", "d (15 rows, one label)", "e (0 rows)")
    assert plan.apply(["a", "b", "c", "d", "e", "never"]).tolist() == [
        "a", "b", BUCKET, BUCKET, BUCKET, BUCKET]
    assert "fewer than 20 rows or one label" in plan.note


def test_a_mitigation_with_one_usable_group_is_skipped_with_its_reason():
    plan = merge_small_groups(["a"] * 50 + ["b"] * 5, [0, 1] * 25 + [1] * 5)
    assert "fewer than two groups" in plan.skipped
    none = merge_small_groups(["a"] * 5 + ["b"] * 5, [0, 1] * 5)
    assert "no group has at least 20 rows" in none.skipped


@pytest.fixture(scope="module")
def degenerate_dataset():
    """An 18-row race group whose validation rows have a single label (the issue's crash)."""
    rng = np.random.default_rng(0)
    n = 1400
    x = rng.normal(0, 1, n)
    race = rng.choice(["w", "b"], n).astype(object)
    race[:18] = "rare"
    y = np.where(rng.random(n) < 1 / (1 + np.exp(-2 * x)), "yes", "no").astype(object)
    y[:18] = "no"
    frame = pd.DataFrame({"x": x, "race": race, "y": y})
    return build_tabular_dataset(frame.iloc[:1000], frame.iloc[1000:].assign(
        race=lambda f: np.where(np.arange(len(f)) < 5, "rare", f["race"])),
        target="y", positive_label="yes", sensitive_features=["race"], seed=0)


def test_threshold_optimizer_runs_on_a_one_label_group(degenerate_dataset):
    from fairlearn.postprocessing import ThresholdOptimizer

    ds = degenerate_dataset
    torch.manual_seed(0)
    model = fit(build_model("mlp", input_width=ds.n_features, hidden_sizes=[8], dropout=0.0),
                ds.train.to_torch(), epochs=3, batch_size=128, progress=False,
                device="cpu").model
    from audit.fairness import TorchClassifier

    raw = ThresholdOptimizer(estimator=TorchClassifier.from_trained(model), prefit=True,
                             predict_method="predict_proba")
    with pytest.raises(ValueError, match="Degenerate labels"):  # what fairlearn does alone
        raw.fit(ds.validation.X, ds.validation.y,
                sensitive_features=ds.validation.sensitive["race"])
    config = FairnessAuditConfig(bootstrap_replicates=20, mitigation={
        "enabled": True, "methods": ["threshold_optimizer"]})
    outcomes, notes = mitigate(ds, model, config, seed=0)
    assert [o.method for o in outcomes] == ["threshold_optimizer[demographic_parity]",
                                            "threshold_optimizer[equalized_odds]"]
    assert all("rare (" in o.note and "one label" in o.note for o in outcomes)
    assert {g.group for g in outcomes[0].after.groups} == {"b", "rare", "w"}  # all reported
    assert notes == ()


def test_retrains_use_the_audited_models_own_settings_unless_a_budget_is_set():
    own = {"epochs": 7, "batch_size": 64, "optimizer": "sgd", "learning_rate": 0.01,
           "weight_decay": 0.1, "device": "cpu"}
    cfg = FairnessAuditConfig(mitigation={"enabled": True}).mitigation
    assert retrain_budget(cfg, own) == (own, True)
    quick = FairnessAuditConfig(mitigation={"enabled": True, "epochs": 2}).mitigation
    budget, is_own = retrain_budget(quick, own)
    assert not is_own and budget["epochs"] == 2 and budget["optimizer"] == "sgd"
    unknown, is_own = retrain_budget(cfg, None)  # trained elsewhere: fit's defaults
    assert not is_own and unknown["epochs"] == 10 and unknown["batch_size"] == 256


def test_a_mitigation_below_the_majority_class_is_flagged_collapsed(degenerate_dataset):
    ds = degenerate_dataset
    torch.manual_seed(0)
    model = fit(build_model("mlp", input_width=ds.n_features, hidden_sizes=[8], dropout=0.0),
                ds.train.to_torch(), epochs=3, batch_size=128, progress=False,
                device="cpu").model
    config = FairnessAuditConfig(bootstrap_replicates=20, mitigation={
        "enabled": True, "methods": ["threshold_optimizer"], "constraints": ["equalized_odds"]})
    (outcome,), _ = mitigate(ds, model, config, seed=0)
    majority = max(ds.test.y.mean(), 1 - ds.test.y.mean())
    assert outcome.majority_accuracy == pytest.approx(
        float((ds.test.y == int(ds.train.y.mean() >= 0.5)).mean()))
    assert outcome.majority_accuracy <= majority
    assert not outcome.collapsed
    assert replace(outcome, accuracy_after=outcome.majority_accuracy - 0.01).collapsed


def test_exponentiated_gradient_with_fewer_epochs_per_fit_gets_a_retrain_of_that_budget(
        degenerate_dataset):
    ds = degenerate_dataset
    own = {"epochs": 3, "batch_size": 128, "learning_rate": 1e-3, "device": "cpu"}
    torch.manual_seed(0)
    model = fit(build_model("mlp", input_width=ds.n_features, hidden_sizes=[8], dropout=0.0),
                ds.train.to_torch(), progress=False, **own).model
    config = FairnessAuditConfig(bootstrap_replicates=20, mitigation={
        "enabled": True, "methods": ["reweighing", "exponentiated_gradient"],
        "constraints": ["demographic_parity"], "exponentiated_gradient_max_iter": 2,
        "exponentiated_gradient_epochs": 1})
    (rw, eg), _ = mitigate(ds, model, config, seed=0, training_settings=own)
    assert rw.baseline.startswith("the audited model (retrains use its own training settings")
    assert eg.baseline.startswith("unmitigated retrain of the same architecture (1 epoch,")
    assert eg.accuracy_before != rw.accuracy_before  # a different "before": the 1-epoch retrain
