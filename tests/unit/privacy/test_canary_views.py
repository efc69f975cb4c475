"""The canary audit and the per-group privacy risk as readers see them: report rows (group
names escaped) and the dashboard page, from a real small DP run, after a JSON round trip."""

import dataclasses

import pandas as pd
import pytest
import torch
from torch.utils.data import TensorDataset

from audit.dp import GradientCanaries
from audit.models import TabularMLP
from audit.privacy import PrivacyConfig, membership_inference_audit
from audit.privacy._audit import privacy_notes
from audit.result import PrivacySection, load_result, save_result
from audit.training import fit, seed_everything
from reports import render_report
from tests._apptest import open_dashboard_page
from tests.unit.test_result_schema import make_result

pytestmark = pytest.mark.filterwarnings("ignore:Secure RNG turned off")
EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def canary_result(tmp_path_factory):
    seed_everything(0)
    g = torch.Generator().manual_seed(0)
    X = torch.randn(800, 6, generator=g)
    y = (X[:, 0] > 0).long()
    train, held_out = TensorDataset(X[:400], y[:400]), TensorDataset(X[400:], y[400:])
    run = fit(TabularMLP(6, (64,)), train, epochs=2, batch_size=40, progress=False,
              privacy=PrivacyConfig(noise_multiplier=1.0, delta=1e-4),
              canaries=GradientCanaries(200, seed=0))
    groups = pd.DataFrame({"sex": [EVIL, "M"] * 200, "race": ["A"] * 300 + ["B"] * 100})
    membership = membership_inference_audit(run.model, train, held_out, attacks=("loss",),
                                            sensitive_members=groups, sensitive_nonmembers=groups,
                                            delta=1e-4, seed=0)
    section = PrivacySection(spend=run.privacy, membership=membership,
                             canary_audit=run.canary_audit,
                             notes=privacy_notes(run.privacy, membership, run.canary_audit))
    result = dataclasses.replace(make_result(), history=run.history).with_section("privacy", section)
    path = save_result(result, tmp_path_factory.mktemp("canary") / "run" / "result.json")
    return load_result(path), path


def test_round_trip_keeps_the_canary_audit_and_the_group_rows(canary_result):
    result, _ = canary_result
    canary = result.privacy.canary_audit
    assert canary.mode == "white_box" and canary.m == 200 and canary.consistent
    assert {r.partition for r in result.privacy.membership.group_risk} == {"sex", "race",
                                                                            "sex x race"}
    assert any("One-run canary audit (white-box, 200 canaries" in n for n in result.privacy.notes)


def test_report_rows(canary_result):
    result, _ = canary_result
    html = render_report(result)
    section = html[html.index('<section id="privacy">'):html.index('<section id="fairness">')]
    assert "One-run canary audit (white-box)" in section
    assert f"{result.privacy.canary_audit.epsilon_lower_bound:.3f}" in section
    assert "Privacy risk per group and intersection (loss attack)" in section
    assert "sex x race" in section and EVIL not in html and "&lt;script&gt;" in section


def test_dashboard_page(canary_result, monkeypatch):
    pytest.importorskip("streamlit")
    _, path = canary_result
    at = open_dashboard_page(path, "privacy", monkeypatch)
    assert not at.exception, at.exception
    assert "epsilon lower bound" in {m.label for m in at.metric}
    assert any("sex x race" in str(df.value.get("partition", pd.Series()).tolist())
               for df in at.dataframe)
