"""The privacy section as readers see it: the report and the dashboard page, from a real
(small) DP run and membership audit, after a JSON round trip."""

import dataclasses
import math

import pytest
import torch
from torch.utils.data import TensorDataset

from audit.models import TabularMLP
from audit.privacy import PrivacyConfig, membership_inference_audit
from audit.privacy._audit import privacy_notes
from audit.result import Interval, PrivacySection, load_result, save_result
from audit.result._privacy import UtilityPoint
from audit.training import fit, seed_everything
from reports import render_report
from tests._apptest import open_dashboard_page
from tests.unit.test_result_schema import make_result


@pytest.fixture(scope="module")
def privacy_result(tmp_path_factory):
    seed_everything(0)
    g = torch.Generator().manual_seed(0)
    X = torch.randn(800, 6, generator=g)
    y = (X[:, 0] > 0).long()
    train, held_out = TensorDataset(X[:400], y[:400]), TensorDataset(X[400:], y[400:])
    run = fit(TabularMLP(6, (16,)), train, epochs=2, batch_size=40, progress=False,
              privacy=PrivacyConfig(noise_multiplier=1.0, delta=1e-4))
    membership = membership_inference_audit(run.model, train, held_out, attacks=("loss",),
                                            delta=1e-4, seed=0)
    point = UtilityPoint(target_epsilon=1.0, epsilon=0.99, noise_multiplier=1.2, accuracy=0.8,
                         attack_auc=0.51, attack_auc_interval=Interval(0.48, 0.54), fairness_feature="sex",
                         dp_difference=0.1, worst_group="F", worst_group_accuracy=0.75, seconds=1.0,
                         fairness_history=tuple(
                             {"fairness/demographic_parity_difference[sex]": 0.2 - e / 100,
                              "fairness/accuracy[sex=F]": 0.7 + e / 100,
                              "fairness/accuracy[sex=M]": 0.8} for e in range(3)))
    plain = dataclasses.replace(point, target_epsilon=math.inf, epsilon=math.inf, accuracy=0.85)
    section = PrivacySection(spend=run.privacy, membership=membership,
                             utility_curve=(point, plain), notes=privacy_notes(run.privacy, membership))
    result = dataclasses.replace(make_result(), history=run.history).with_section("privacy", section)
    path = save_result(result, tmp_path_factory.mktemp("privacy") / "run" / "result.json")
    return load_result(path), path


def test_report_privacy_section_after_round_trip(privacy_result):
    result, _ = privacy_result
    html = render_report(result)
    section = html[html.index('<section id="privacy">'):html.index('<section id="fairness">')]
    assert f"{result.privacy.spend.epsilon:.3f}" in section
    assert "Membership inference ROC" in section and "Privacy-utility curve" in section
    assert "non-private" in section and "ALARM" not in section
    # epsilon per epoch, ROC, utility curve, fairness per epoch at each privacy level
    assert section.count('class="rai-chart"') == 4
    assert "worst sex group" in section


def test_dashboard_privacy_page(privacy_result, monkeypatch):
    pytest.importorskip("streamlit")
    result, path = privacy_result
    at = open_dashboard_page(path, "privacy", monkeypatch)
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Formal epsilon (upper bound)"] == f"{result.privacy.spend.epsilon:.3f}"
    assert "Measured epsilon (lower bound)" in metrics
    assert len(at.dataframe) >= 2  # attacks and per-group tables
