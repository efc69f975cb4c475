"""Issue 16's data half, through the one entry point and the config: a favourable outcome
apart from the positive class, small and one-label groups, a constant model, proxies over
every feature, one table split by the tool."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

import audit
from audit.policy import GateConfig, PolicyConfig, evaluate_policy
from tests.own_models import people, recidivism, with_small_groups

pytestmark = pytest.mark.slow


def test_a_favourable_outcome_apart_from_the_positive_class_names_the_most_flagged_group_worst():
    from sklearn.linear_model import LogisticRegression

    train, test = recidivism(1500, 0), recidivism(800, 1)

    def X(frame):
        return np.column_stack([frame["priors"], frame["age"], frame["race"] == "Q"]).astype(float)

    clf = LogisticRegression().fit(X(train), train["reoffends"])  # P(reoffends) in column 1
    result = audit.audit_model(
        lambda frame: clf.predict_proba(X(frame)), train=train, test=test, target="reoffends",
        sensitive_features=["race"], positive_label=1, favourable_label=0, seed=0,
        audits={"fairness": {"enabled": True, "bootstrap_replicates": 100},
                "counterfactuals": {"enabled": True, "n_rows": 80, "bootstrap_replicates": 50},
                "robustness": {"enabled": True}})
    assert all(r.status == "ok" for r in result.sections.values())
    assert (result.metadata.data.positive_label, result.metadata.data.favourable_label) == ("1", "0")
    flagged = {g: float((clf.predict(X(test)) == 1)[test["race"] == g].mean()) for g in "PQ"}
    assert flagged["Q"] > flagged["P"] + 0.2  # Q is flagged as a reoffender far more often
    race = result.fairness.partitions[0]
    dp = next(d for d in race.disparities if d.name == "demographic_parity_difference")
    assert (dp.worst_group, dp.best_group) == ("Q", "P")  # the most-flagged group is worst
    sel = {g.group: g.metrics["selection_rate"].value for g in race.groups}
    assert sel["Q"] == pytest.approx(1 - flagged["Q"])  # rate of the favourable decision
    assert result.fairness.reading[0].startswith("race: the model predicts 0 for")
    # recourse aims at the favourable outcome: searched rows were predicted to reoffend
    cf = result.counterfactuals
    assert cf.n_rows_found > 0 and cf.validity == 1.0


def test_small_and_one_label_groups_run_to_a_full_report(tmp_path):
    """One CSV split by the tool; a 10-row group and a one-label group; every audit, with
    every mitigation: a full report, the merge stated."""
    from audit.config import load_config
    from audit.runner import run_audit

    with_small_groups(1600, 0).to_csv(tmp_path / "people.csv", index=False)
    (tmp_path / "audit.yaml").write_text(yaml.safe_dump({
        "name": "small-groups", "seed": 0,
        "data": {"loader": "csv", "path": "people.csv", "test_fraction": 0.3,
                 "target": "approved", "positive_label": "yes",
                 "sensitive_features": ["sex", "race"]},
        "model": {"hidden_sizes": [16]}, "training": {"epochs": 3, "batch_size": 128},
        "audits": {
            "fairness": {"enabled": True, "bootstrap_replicates": 100,
                         "mitigation": {"enabled": True, "sensitive_feature": "race",
                                        "exponentiated_gradient_max_iter": 2}},
            "error_analysis": {"enabled": True}, "robustness": {"enabled": True},
            "explainability": {"enabled": True, "n_rows": 60, "n_check_rows": 16,
                               "bootstrap_replicates": 50},
            "privacy": {"enabled": True, "attacks": ["loss"], "n_audit_members": 200},
            "counterfactuals": {"enabled": True, "n_rows": 60, "bootstrap_replicates": 50},
            "data_privacy": {"enabled": True}}}))
    result = run_audit(load_config(tmp_path / "audit.yaml"), output_dir=tmp_path / "out",
                       progress=False).result
    failed = {s: r.failure for s, r in result.sections.items() if r.status != "ok"}
    assert failed == {}
    paths = audit.write_outputs(result, tmp_path / "out")
    assert 'id="fairness"' in paths["report"].read_text()
    assert "split by rai-audit" in result.metadata.data.source
    assert "stratified on approved x sex x race" in result.metadata.data.source
    methods = {m.method: m for m in result.fairness.mitigation}
    assert {"reweighing", "threshold_optimizer[demographic_parity]",
            "exponentiated_gradient[equalized_odds]"} <= set(methods)
    to = methods["threshold_optimizer[demographic_parity]"]
    # in the validation rows 'same' has one label and 'tiny' none: too few for a bucket of
    # their own, they are fitted with the largest group, and the note says so
    assert "groups fitted as 'r" in to.note and "same (" in to.note and "tiny (" in to.note
    assert methods["reweighing"].baseline.startswith("the audited model (retrains use its own "
                                                     "training settings: 3 epochs, batch 128")
    assert all(not np.isnan(m.majority_accuracy) for m in methods.values())
    # the data-privacy quasi-identifiers are the model's features, never the label
    assert "approved" not in result.data_privacy.anonymity.quasi_identifiers


def test_a_constant_model_gets_undefined_fairness_gates_and_a_quality_flag():
    train, test = people(600, 0), people(400, 1)
    result = audit.audit_model(lambda frame: np.full(len(frame), 0.9), train=train, test=test,
                               target="approved", sensitive_features=["sex"],
                               favourable_label="yes", seed=0,
                               audits={"fairness": {"enabled": True, "bootstrap_replicates": 50}})
    assert result.quality.degenerate.startswith("constant predictor")
    assert any("constant predictor" in w and "disparities are undefined" in w
               for w in result.metadata.warnings)
    sex = result.fairness.partitions[0]
    assert all(np.isnan(d.value) and "constant predictor" in d.undefined_reason
               for d in sex.disparities)
    assert not any(" but " in line for line in result.fairness.reading)  # no self-comparison
    policy = evaluate_policy(result, PolicyConfig(gates=[
        GateConfig(metric="fairness.demographic_parity_ratio[sex]", min=0.8),
        GateConfig(metric="fairness.equalized_odds_difference", max=0.1, severity="warn")]))
    statuses = [g.status for g in policy.gates]
    assert statuses == ["fail", "warn"]
    assert all("constant predictor" in g.reason for g in policy.gates)


def test_a_proxy_is_flagged_whatever_its_attribution_rank():
    """The model ignores ``zone`` (rank last), yet zone is a 95% copy of sex: flagged."""
    rng = np.random.default_rng(5)
    train, test = people(900, 0), people(500, 1)
    for frame in (train, test):
        for i in range(4):
            frame[f"noise{i}"] = rng.normal(0, 1, len(frame))

    def model(frame):
        logit = 1.5 * frame["score"] + 0.05 * (frame["years"] - 15) - 1.5 * (frame["sex"] == "B")
        return 1 / (1 + np.exp(-logit.to_numpy(float)))

    result = audit.audit_model(model, train=train, test=test, target="approved",
                               sensitive_features=["sex"], favourable_label="yes", seed=0,
                               audits={"explainability": {
                                   "enabled": True, "methods": ["feature_ablation"],
                                   "n_rows": 60, "n_check_rows": 16,
                                   "bootstrap_replicates": 50}})
    zone = next(p for p in result.explainability.proxies
                if p.feature == "zone" and p.sensitive_feature == "sex")
    assert zone.importance == 0.0 and zone.importance_rank > 5
    assert zone.flagged and zone.association > 0.8
    assert not any(p.flagged for p in result.explainability.proxies
                   if p.feature.startswith("noise"))


def test_one_table_passed_to_audit_model_is_split_as_split_table_splits_it():
    from audit.data import split_table

    table = people(1000, 3)
    split = split_table(table, target="approved", sensitive_features=["sex"],
                        test_fraction=0.3, seed=4)
    result = audit.audit_model(lambda frame: np.where(frame["score"] > 0, 0.8, 0.3), data=table,
                               test_fraction=0.3, target="approved", sensitive_features=["sex"],
                               favourable_label="yes", seed=4)
    assert result.metadata.data.n_test == len(split.test) == 300
    assert result.metadata.data.n_train + result.metadata.data.n_validation == len(split.train)
    for frame in (split.train, split.test):  # stratified: each side keeps each cell's share
        share = pd.crosstab(frame["sex"], frame["approved"], normalize="all")
        whole = pd.crosstab(table["sex"], table["approved"], normalize="all")
        assert (share - whole).abs().to_numpy().max() < 0.01
