"""The fairness audit on the census sample for real: runner, numbers vs fairlearn, report."""

import numpy as np
import pytest
from fairlearn import metrics as flm
from sklearn.metrics import accuracy_score

from audit.config import load_config
from audit.fairness import FairnessAuditConfig
from audit.models import predict_proba
from audit.result import result_from_json, result_to_json
from audit.runner import run_audit
from reports import render_report

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fair_run(tmp_path_factory):
    config = load_config("sample_models/census_income/audit.yaml")
    fairness = FairnessAuditConfig(
        enabled=True, intersections=[["sex", "race"]], bootstrap_replicates=500, min_group_size=50,
        score_bootstrap_replicates=50,
        mitigation={"enabled": True, "epochs": 2, "exponentiated_gradient_max_iter": 3})
    config = config.model_copy(update={
        "training": config.training.model_copy(update={"epochs": 3}),
        "audits": config.audits.model_copy(update={"fairness": fairness})})
    return run_audit(config, output_dir=tmp_path_factory.mktemp("fair"), progress=False)


def test_census_group_numbers_equal_metricframe(fair_run):
    section = fair_run.result.fairness
    test = fair_run.dataset.test
    scores = predict_proba(fair_run.training.model, test.X)
    pred = (scores >= 0.5).astype(int)
    assert [p.name for p in section.partitions] == ["sex", "race", "age", "sex x race"]
    for partition in section.partitions:
        sf = test.sensitive[list(partition.features)]
        frame = flm.MetricFrame(metrics={"sr": flm.selection_rate, "tpr": flm.true_positive_rate,
                                         "acc": accuracy_score},
                                y_true=test.y, y_pred=pred, sensitive_features=sf).by_group
        for g in partition.groups:
            key = g.labels if len(g.labels) > 1 else g.labels[0]
            assert g.metrics["selection_rate"].value == pytest.approx(frame.loc[key, "sr"], abs=1e-12)
            assert g.metrics["accuracy"].value == pytest.approx(frame.loc[key, "acc"], abs=1e-12)
        dp = partition.disparities[0]
        assert dp.value == pytest.approx(
            flm.demographic_parity_difference(test.y, pred, sensitive_features=sf), abs=1e-12)
    sex = section.partitions[0]
    dp = sex.disparities[0]
    assert (dp.worst_group, dp.best_group, dp.verdict) == ("Female", "Male", "fail")
    assert dp.conclusive and dp.interval.low > 0.1
    small = {g.group for g in section.partitions[3].groups if g.small}
    assert small == {"Female & Other"}  # 46 rows in the Adult test split


def test_census_training_history_and_mitigation(fair_run):
    result = fair_run.result
    assert len(result.history) == 3
    assert "fairness/accuracy[sex=Female]" in result.history[-1].metrics
    assert "fairness/demographic_parity_difference[sex x race]" in result.history[-1].metrics
    methods = [m.method for m in result.fairness.mitigation]
    assert methods[0] == "reweighing" and len(methods) == 6
    to = next(m for m in result.fairness.mitigation
              if m.method == "threshold_optimizer[demographic_parity]")
    assert to.after.disparities[0].value < 0.05 < to.before.disparities[0].value
    assert -0.01 < to.accuracy_before - to.accuracy_after < 0.05
    assert np.isfinite([m.accuracy_after for m in result.fairness.mitigation]).all()


def test_census_result_round_trips_and_renders(fair_run):
    text = result_to_json(fair_run.result)
    back = result_from_json(text)
    assert result_to_json(back) == text
    html = render_report(back)
    assert 'id="fairness"' in html and "Intersectional heatmaps" in html
    assert "Price of fairness" in html
    assert len(html.encode()) < 5 * 1024 * 1024
