"""The user's own model from the config: a factory by import path trained by ``fit``, the same
with saved safetensors weights audited as is, and a ``predict_proba`` callable; an audit the
model cannot serve is refused by ``rai-audit validate``."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from audit.config import parse_config
from audit.errors import ModelCapabilityError
from audit.runner import check_config, run_audit
from tests.own_models import people

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    where = tmp_path_factory.mktemp("own_config")
    people(1200, 0).to_csv(where / "train.csv", index=False)
    people(600, 1).to_csv(where / "test.csv", index=False)
    return where


def _config(folder, model: dict, audits: dict):
    return parse_config({
        "name": "own", "seed": 0,
        "data": {"loader": "csv", "train_path": "train.csv", "test_path": "test.csv",
                 "target": "approved", "positive_label": "yes", "sensitive_features": ["sex"]},
        "model": model,
        "training": {"epochs": 4, "batch_size": 128, "learning_rate": 0.01},
        "audits": audits}, base_dir=folder)


AUDITS = {"fairness": {"enabled": True},
          "explainability": {"enabled": True, "n_rows": 60, "n_rows_perturbation": 30,
                             "kernel_shap_rows": 10, "n_check_rows": 16, "bootstrap_replicates": 100,
                             "methods": ["integrated_gradients", "feature_ablation"],
                             "smoothing": "none"},
          "counterfactuals": {"enabled": True, "n_rows": 40, "n_per_row": 2, "steps": 20,
                              "bootstrap_replicates": 100}}


def test_a_factory_trained_by_fit_then_its_weights_audited_as_given(folder, tmp_path):
    factory = {"factory": "tests.own_models:build_one_logit", "options": {"hidden": 8}}
    trained = run_audit(_config(folder, factory, AUDITS), output_dir=tmp_path / "fit",
                        progress=False)
    result = trained.result
    assert {s: r.status for s, r in result.sections.items()} == {
        "fairness": "ok", "explainability": "ok", "counterfactuals": "ok"}
    assert result.metadata.model.kind == "torch (tests.own_models:build_one_logit)"
    assert result.metadata.training.epochs_completed == 4
    assert not result.metadata.training.audited_as_given
    weights = trained.model_dir / "model.safetensors"
    assert weights.is_file()
    # one logit through the adapter: gradient methods run on [0, z]
    assert {m.method for m in result.explainability.methods} == {"integrated_gradients",
                                                                 "feature_ablation"}

    again = run_audit(_config(folder, {**factory, "weights": str(weights)}, AUDITS),
                      output_dir=tmp_path / "given", progress=False)
    given = again.result
    assert again.training is None and given.history == ()
    assert given.metadata.training.audited_as_given
    assert "audited as given" in given.metadata.training.note
    assert given.quality == result.quality  # the same weights, not retrained
    assert given.fairness.partitions == result.fairness.partitions


def test_lira_on_given_weights_is_refused_when_validated(folder, tmp_path):
    config = _config(folder, {"factory": "tests.own_models:build_one_logit",
                              "weights": str(tmp_path / "missing.safetensors")},
                     {"privacy": {"enabled": True, "attacks": ["loss", "lira_online"]}})
    with pytest.raises(ModelCapabilityError, match="audits.privacy: expected a model that "
                                                   "gives trainer"):
        check_config(config)


def test_a_predict_proba_callable_by_import_path(folder, tmp_path):
    model = {"predict_proba": "tests.own_models:predict_proba"}
    audits = {"fairness": {"enabled": True}, "robustness": {"enabled": True},
              "counterfactuals": {"enabled": True, "n_rows": 40, "bootstrap_replicates": 100},
              "privacy": {"enabled": True, "attacks": ["loss"], "n_audit_members": 200}}
    run = run_audit(_config(folder, model, audits), output_dir=tmp_path, progress=False)
    result = run.result
    assert {s: r.status for s, r in result.sections.items()} == {
        "fairness": "ok", "robustness": "ok", "privacy": "ok", "counterfactuals": "ok"}
    assert run.training is None and run.model_dir is None
    assert result.metadata.model.kind == "predict_proba (tests.own_models:predict_proba)"
    sex = result.fairness.partitions[0]
    assert next(d for d in sex.disparities
                if d.name == "demographic_parity_difference").worst_group == "B"


def test_validate_refuses_gradient_attributions_of_a_callable(folder):
    path = folder / "callable.yaml"
    path.write_text(yaml.safe_dump({
        "data": {"loader": "csv", "train_path": "train.csv", "test_path": "test.csv",
                 "target": "approved", "positive_label": "yes", "sensitive_features": ["sex"]},
        "model": {"predict_proba": "tests.own_models:predict_proba"},
        "audits": {"explainability": {"enabled": True,
                                      "methods": ["integrated_gradients", "kernel_shap"]}}}))
    done = subprocess.run([sys.executable, "-m", "audit.cli", "validate", str(path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert "audits.explainability: expected a model that gives input_gradients" in done.stderr
    assert "list only perturbation methods" in done.stderr
