"""The one entry point, :func:`audit.audit_model`, and :func:`audit.write_outputs`."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import audit
from audit.errors import ConfigError, DataValidationError, ModelOutputError
from audit.fairness import FairnessAuditConfig
from audit.models import ModelAdapter
from tests.own_models import FEATURES, people, sklearn_pipeline


@pytest.fixture(scope="module")
def tables():
    return people(600, 0), people(300, 1)


@pytest.fixture(scope="module")
def clf(tables):
    return sklearn_pipeline(tables[0])


def _run(model, tables, **kwargs):
    train, test = tables
    return audit.audit_model(model, train=train, test=test, target="approved",
                             sensitive_features=["sex"], **kwargs)


def test_import_audit_stays_light_and_the_entry_points_are_lazy():
    code = ("import sys, audit; assert 'torch' not in sys.modules and 'pandas' not in "
            "sys.modules; assert callable(audit.audit_model) and callable(audit.write_outputs);"
            " print(sorted(dir(audit)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert "audit_model" in done.stdout and "write_outputs" in done.stdout


def test_the_same_result_type_as_rai_audit_run_with_the_favourable_label_recorded(tables, clf):
    from audit.result import AuditResult

    result = _run(clf, tables, favourable_label="yes", audits={"fairness": {"enabled": True}})
    assert isinstance(result, AuditResult)
    assert result.metadata.data.positive_label == "yes"
    assert result.metadata.data.n_train + result.metadata.data.n_validation == len(tables[0])
    assert result.metadata.model.kind == "predict_proba (Pipeline)"
    assert result.metadata.training.audited_as_given
    assert list(result.sections) == ["fairness"]
    # read as P(yes): the scores are the pipeline's own column for "yes"
    yes = list(clf.classes_).index("yes")
    assert result.quality.roc_auc > 0.7 and yes == 1


def test_audits_as_config_objects_or_a_mapping_give_the_same_result(tables, clf):
    by_object = _run(clf, tables, favourable_label="yes", audits=[
        FairnessAuditConfig(enabled=True, bootstrap_replicates=50)])
    by_mapping = _run(clf, tables, favourable_label="yes", audits={
        "fairness": FairnessAuditConfig(bootstrap_replicates=50)})  # given alone: enabled
    by_dict = _run(clf, tables, favourable_label="yes", audits={
        "fairness": {"enabled": True, "bootstrap_replicates": 50}})
    assert by_object.fairness.partitions == by_mapping.fairness.partitions \
        == by_dict.fairness.partitions
    with pytest.raises(ConfigError, match="a mapping slug -> config"):
        _run(clf, tables, audits=[{"enabled": True}])


def test_without_a_favourable_label_the_last_label_is_positive(tables, clf):
    result = _run(clf, tables, audits=None)
    assert result.metadata.data.positive_label == "yes"  # sorted: no < yes
    assert result.sections == {}


def test_bad_inputs_are_typed_before_any_audit(tables, clf):
    train, test = tables
    with pytest.raises(DataValidationError, match="a pandas DataFrame"):
        audit.audit_model(clf, train=train.to_numpy(), test=test, target="approved",
                          sensitive_features=["sex"])
    with pytest.raises(ModelOutputError, match="probabilities in \\[0, 1\\]"):
        _run(lambda frame: frame["score"].to_numpy() * 10, tables,
             audits={"fairness": {"enabled": True}})
    with pytest.raises(ConfigError, match="encode given once"):
        _run(ModelAdapter(clf), tables, encode=lambda f: f)


def test_frames_reach_the_model_in_the_callers_column_order(tables):
    seen = []

    def model(frame):
        seen.append(list(frame.columns))
        return np.full(len(frame), 0.5)

    train, test = tables
    reordered = [c for c in reversed(train.columns)]
    audit.audit_model(model, train=train[reordered], test=test[reordered], target="approved",
                      sensitive_features=["sex"])
    assert seen and all(cols == [c for c in reordered if c != "approved"] for cols in seen)


def test_write_outputs_is_all_or_nothing_and_keeps_other_files(tables, clf, tmp_path):
    result = _run(clf, tables, favourable_label="yes", audits={"fairness": {"enabled": True}})
    (tmp_path / "notes.txt").write_text("mine")
    paths = audit.write_outputs(result, tmp_path)
    assert json.loads(paths["result"].read_text())["schema_version"] == result.schema_version
    assert (tmp_path / "notes.txt").read_text() == "mine"
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}

    class Broken:  # rendering fails: nothing is written over the previous files
        metadata = result.metadata

    with pytest.raises(Exception):  # noqa: B017 - whatever the renderer raises
        audit.write_outputs(Broken(), tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before


@pytest.mark.slow
def test_a_lira_trainer_on_a_callable(tables):
    """LiRA needs reference models trained like the target: a trainer given to the adapter."""
    def fit_like_mine(frame: pd.DataFrame, y: np.ndarray, seed: int):
        return sklearn_pipeline(frame.assign(approved=np.where(y == 1, "yes", "no")))

    clf = sklearn_pipeline(tables[0])
    adapter = ModelAdapter(lambda frame: clf.predict_proba(frame[FEATURES]), trainer=fit_like_mine)
    assert "trainer" in adapter.capabilities
    result = _run(adapter, tables, favourable_label="yes",
                  audits={"privacy": {"enabled": True, "attacks": ["loss", "lira_offline"],
                                      "n_reference_models": 4, "n_audit_members": 100}})
    membership = result.privacy.membership
    assert result.record("privacy").status == "ok", result.record("privacy").failure
    assert membership.n_reference_models == 4 and 0 <= membership.attacks["lira_offline"].auc <= 1
