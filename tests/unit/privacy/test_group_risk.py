"""Per-group and per-intersection privacy risk: equal to the attack's own per-group results and
to scikit-learn's AUC on each group's mask, with the worst-group gate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import roc_auc_score
from torch.utils.data import TensorDataset

from audit.privacy import membership_inference_audit
from audit.privacy._group_risk import group_privacy_risk, worst_group


@pytest.fixture(scope="module")
def audit_result():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(1200, 5, generator=gen)
    y = (x[:, 0] + 0.5 * torch.randn(1200, generator=gen) > 0).long()
    model = torch.nn.Sequential(torch.nn.Linear(5, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(300):  # overfit the members so that they leak
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x[:600]), y[:600]).backward()
        opt.step()
    rng = np.random.default_rng(0)
    groups = pd.DataFrame({"sex": rng.choice(["F", "M"], 1200, p=[0.3, 0.7]),
                           "race": rng.choice(["A", "B", "C"], 1200, p=[0.6, 0.35, 0.05])})
    result = membership_inference_audit(
        model, TensorDataset(x[:600], y[:600]), TensorDataset(x[600:], y[600:]),
        sensitive_members=groups[:600], sensitive_nonmembers=groups[600:].reset_index(drop=True),
        attacks=("loss",), delta=1e-3)
    return result, groups, model, x, y


def test_rows_equal_the_attack_per_group_and_sklearn(audit_result):
    result, groups, model, x, y = audit_result
    rows = result.group_risk
    assert {r.partition for r in rows} == {"sex", "race", "sex x race"}
    attack = result.attacks["loss"]
    for r in rows:
        if r.partition in attack.per_group:
            g = attack.per_group[r.partition][r.group]
            assert (r.auc, r.n_members, r.n_nonmembers) == (g.auc, g.n_members, g.n_nonmembers)
            assert r.tpr_at_fpr == g.tpr_at_fpr
    with torch.no_grad():
        logits = model(x).double()
    scores = -torch.nn.functional.cross_entropy(logits, y, reduction="none").numpy()
    member = np.r_[np.ones(600, bool), np.zeros(600, bool)]
    label = (groups["sex"] + " & " + groups["race"]).to_numpy()
    correct = (logits.argmax(1) == y).numpy()
    for r in (r for r in rows if r.partition == "sex x race"):
        mask = label == r.group
        assert r.n_members == int((mask & member).sum())
        assert r.auc == pytest.approx(roc_auc_score(member[mask], scores[mask]), abs=1e-6)
        assert r.accuracy == pytest.approx(correct[mask & ~member].mean())
        assert r.small == (min(r.n_members, r.n_nonmembers) < 50)
        assert r.auc_interval.low <= r.auc <= r.auc_interval.high or r.small


def test_worst_group_skips_small_groups_and_filters(audit_result):
    rows = audit_result[0].group_risk
    worst = worst_group(rows)
    assert worst is not None and not worst.small
    assert worst.auc == max(r.auc for r in rows if not r.small)
    assert worst_group(rows, partition="sex").partition == "sex"
    assert worst_group(rows, partition="nothing") is None


def test_no_intersections_and_an_unknown_feature():
    from audit.errors import ConfigError

    member = np.r_[np.ones(100, bool), np.zeros(100, bool)]
    frame = pd.DataFrame({"a": ["x", "y"] * 100, "b": ["u"] * 200})
    rows = group_privacy_risk({"loss": np.arange(200.0)}, member, frame, np.ones(200, bool))
    assert {r.partition for r in rows} == {"a", "b"}
    with pytest.raises(ConfigError, match="group_intersections"):
        group_privacy_risk({"loss": np.arange(200.0)}, member, frame, np.ones(200, bool),
                           intersections=[["a", "c"]])


def test_the_gate_metric_reads_the_worst_group(audit_result):
    from audit.policy._metrics import resolve_metric
    from audit.result import PrivacySection

    result = audit_result[0]

    class Holder:
        privacy = PrivacySection(membership=result)

    value = resolve_metric(Holder(), "privacy.worst_group_attack_auc")
    assert value.value == worst_group(result.group_risk).auc
    assert "members" in value.description
