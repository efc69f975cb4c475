"""The favourable outcome from the config (issue 16): ``data.favourable_label`` apart from
``data.positive_label``, for a model trained elsewhere (read the other way round) and for a
model rai-audit trains (which learns the favourable label as its positive class)."""

from __future__ import annotations

import pytest

from audit.config import parse_config
from audit.runner import run_audit
from tests.own_models import recidivism

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    where = tmp_path_factory.mktemp("recidivism")
    recidivism(1500, 0).to_csv(where / "train.csv", index=False)
    recidivism(800, 1).to_csv(where / "test.csv", index=False)
    return where


def _run(folder, tmp_path, model):
    config = parse_config({
        "name": "recidivism", "seed": 0,
        "data": {"loader": "csv", "train_path": "train.csv", "test_path": "test.csv",
                 "target": "reoffends", "positive_label": 1, "favourable_label": 0,
                 "sensitive_features": ["race"]},
        "model": model, "training": {"epochs": 8, "batch_size": 128, "learning_rate": 0.01},
        "audits": {"fairness": {"enabled": True, "bootstrap_replicates": 100},
                   "robustness": {"enabled": True}}}, base_dir=folder)
    return run_audit(config, output_dir=tmp_path, progress=False).result


def _worst_is_the_most_flagged(result):
    race = result.fairness.partitions[0]
    dp = next(d for d in race.disparities if d.name == "demographic_parity_difference")
    assert (dp.worst_group, dp.best_group) == ("Q", "P")
    assert dp.value > 0.2


def test_a_model_trained_elsewhere_is_read_the_other_way_round(folder, tmp_path):
    result = _run(folder, tmp_path, {"predict_proba": "tests.own_models:recidivism_predict_proba",
                                     "inputs": "frame"})
    assert (result.metadata.data.positive_label, result.metadata.data.favourable_label) == ("1", "0")
    _worst_is_the_most_flagged(result)


def test_a_model_rai_audit_trains_learns_the_favourable_label(folder, tmp_path):
    result = _run(folder, tmp_path, {"kind": "mlp", "hidden_sizes": [16]})
    assert (result.metadata.data.positive_label, result.metadata.data.favourable_label) == ("0", "0")
    assert result.quality.accuracy > 0.6
    _worst_is_the_most_flagged(result)
