"""The census sample for real: accuracy, reload, the CLI end to end."""

import json

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from audit.cli import app
from audit.models import predict_proba
from audit.result import load_result

pytestmark = pytest.mark.slow


def test_census_mlp_reaches_84_percent(census_run):
    q = census_run.result.quality
    assert q.accuracy >= 0.84, q
    assert q.roc_auc >= 0.88
    assert q.n == 16281
    assert q.accuracy_interval.low < q.accuracy < q.accuracy_interval.high


def test_census_run_is_reproducible(census_run, tmp_path):
    from audit.config import AuditsConfig
    from sample_models import census_income

    again = census_income.train(tmp_path, seed=0, audits=AuditsConfig())  # training only
    assert again.result.quality.accuracy == census_run.result.quality.accuracy
    assert [r.metrics["train/loss"] for r in again.result.history] == [
        r.metrics["train/loss"] for r in census_run.result.history]


def test_saved_model_reloads_with_identical_predictions(census_run):
    from sample_models import census_income

    model, preprocessor = census_income.load(census_run.model_dir)
    X = preprocessor.transform(census_run.dataset.test.raw)
    np.testing.assert_array_equal(X, census_run.dataset.test.X)
    np.testing.assert_allclose(predict_proba(model, X),
                               predict_proba(census_run.training.model, X), rtol=0, atol=0)
    # weights are safetensors, never a pickle
    assert census_run.result.metadata.model.weights_path == "model"  # relative: no machine path
    with open(census_run.model_dir / "model.safetensors", "rb") as f:
        header_len = int.from_bytes(f.read(8), "little")
        assert json.loads(f.read(header_len))  # safetensors header is JSON
    assert isinstance(model, torch.nn.Module)


def test_cli_run_writes_result_and_report(tmp_path):
    out = CliRunner().invoke(app, ["run", "sample_models/census_income/audit.yaml",
                                   "--out", str(tmp_path), "--quiet"])
    assert out.exit_code == 0, out.output
    assert "test accuracy" in out.output and "report:" in out.output
    result = load_result(tmp_path / "result.json")
    assert result.quality.accuracy >= 0.84
    html = (tmp_path / "report.html").read_text()
    assert "census-income-mlp" in html and 'class="rai-chart"' in html
    assert len(html.encode()) < 5 * 1024 * 1024
