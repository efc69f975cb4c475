"""Models the project did not build, each audited through the one entry point
(:func:`audit.audit_model`) to a full report, on a seeded table with a planted group disparity
(group B of sex approved less often at the same score) and a planted proxy (zone)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.request import Request, urlopen

import numpy as np
import pandas as pd
import pytest

import audit
from audit.errors import ModelCapabilityError
from audit.result import result_from_json
from tests.own_models import FEATURES, people, sklearn_pipeline, train_embedding_net

pytestmark = pytest.mark.slow

AUDITS = {
    "fairness": {"enabled": True},
    "error_analysis": {"enabled": True},
    "robustness": {"enabled": True},
    "explainability": {"enabled": True, "n_rows": 120, "n_rows_perturbation": 60,
                       "kernel_shap_rows": 20, "n_check_rows": 32, "bootstrap_replicates": 200},
    "privacy": {"enabled": True, "attacks": ["loss"], "n_audit_members": 300},
    "data_privacy": {"enabled": True},
    "counterfactuals": {"enabled": True, "n_rows": 120, "n_per_row": 2, "bootstrap_replicates": 200},
}


@pytest.fixture(scope="module")
def tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    return people(1500, 0), people(800, 1)


def _audit(model, tables, **kwargs):
    train, test = tables
    return audit.audit_model(model, train=train, test=test, target="approved",
                             sensitive_features=["sex"], favourable_label="yes", audits=AUDITS,
                             seed=0, **kwargs)


def _check_full_report(result, folder) -> None:
    """Every section ran; result.json, report.html and model_card.md written and readable."""
    assert {slug: r.status for slug, r in result.sections.items()} == {
        slug: "ok" for slug in AUDITS}
    paths = audit.write_outputs(result, folder)
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == [
        "model_card.md", "report.html", "result.json"]  # (and the staging's hidden manifest)
    again = result_from_json(paths["result"].read_bytes())
    assert again.fairness.partitions[0].name == "sex"
    assert "audited as given" in paths["model_card"].read_text()
    assert 'id="fairness"' in paths["report"].read_text()


def _planted_findings(result) -> None:
    """The disadvantaged group is named worst; the planted proxy is flagged."""
    sex = next(p for p in result.fairness.partitions if p.name == "sex")
    dp = next(d for d in sex.disparities if d.name == "demographic_parity_difference")
    assert dp.worst_group == "B" and dp.value > 0.15
    proxies = {p.feature: p for p in result.explainability.proxies if p.sensitive_feature == "sex"}
    assert proxies["zone"].flagged and proxies["zone"].association > 0.8
    assert not proxies["region"].flagged


def test_a_one_logit_bce_model_with_embeddings_and_two_inputs(tables, tmp_path):
    model, encode = train_embedding_net(tables[0])
    result = _audit(model, tables, encode=encode)
    _check_full_report(result, tmp_path)
    _planted_findings(result)
    assert result.metadata.model.kind == "torch (EmbeddingNet)"
    assert result.metadata.model.n_parameters == sum(p.numel() for p in model.parameters())
    # attributions on the model's own inputs: the embedded sensitive column through its
    # embedding (layer attributions), never a silent zero; every method, gradient ones included
    ex = result.explainability
    assert {"integrated_gradients", "deeplift", "saliency", "feature_ablation",
            "kernel_shap"} <= {m.method for m in ex.methods}
    for method in ex.methods:
        sex = next(f for f in method.features if f.feature == "sex")
        assert sex.importance > 0.1, method.method
        assert method.features[0].feature == "score"  # the strongest planted effect
    ig = next(c for c in ex.checks if c.method == "integrated_gradients"
              and c.check == "completeness")
    assert ig.status == "pass"  # completeness holds in the embedding-output space
    assert any(c.check == "randomisation" for c in ex.checks)  # torch weights: re-initialised
    assert any("own inputs (encode)" in n for n in ex.notes)
    _gradient_free_counterfactuals(result)  # over the dataset's encoding: forward passes only


def _gradient_free_counterfactuals(result) -> None:
    cf = result.counterfactuals
    assert cf.method.startswith("random search")
    assert cf.validity == 1.0 and cf.n_rows_found >= 0.9 * cf.n_rows_searched
    assert cf.change_rates["sex"] == 0.0  # immutable by default


def test_c_scikit_learn_logistic_regression_through_predict_proba(tables, tmp_path):
    clf = sklearn_pipeline(tables[0])
    result = _audit(lambda frame: clf.predict_proba(frame[FEATURES]), tables)
    _check_full_report(result, tmp_path)
    _planted_findings(result)
    assert result.quality.accuracy > 0.7
    assert result.metadata.model.kind == "predict_proba (function)"
    assert not any(c.check == "randomisation" for c in result.explainability.checks)
    loss = result.privacy.membership.attacks["loss"]
    assert 0.3 < loss.auc < 0.7  # a linear model barely leaks
    _gradient_free_counterfactuals(result)


class _Served(BaseHTTPRequestHandler):
    """POST {"rows": [{column: value}, ...]} -> {"proba": [[p0, p1], ...]}."""

    model = None
    calls = 0

    def do_POST(self):  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).calls += 1
        proba = self.model.predict_proba(pd.DataFrame(body["rows"])[FEATURES])
        payload = json.dumps({"proba": proba.tolist()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture()
def served(tables):
    _Served.model, _Served.calls = sklearn_pipeline(tables[0]), 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Served)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/predict"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_d_the_same_model_served_over_http(tables, served, tmp_path):
    def remote(frame: pd.DataFrame) -> np.ndarray:
        rows = frame.to_dict(orient="records")  # Python floats: JSON keeps every digit
        request = Request(served, data=json.dumps({"rows": rows}).encode(),
                          headers={"Content-Type": "application/json"})
        with urlopen(request, timeout=30) as response:
            return np.asarray(json.loads(response.read())["proba"])

    result = _audit(remote, tables)
    _check_full_report(result, tmp_path)
    _planted_findings(result)
    assert _Served.calls > 0
    clf = _Served.model
    local = _audit(lambda frame: clf.predict_proba(frame[FEATURES]), tables)
    # JSON carries float64 exactly: the served model's audit is the in-process one's
    assert result.quality == local.quality
    assert result.fairness.partitions == local.fairness.partitions
    assert result.robustness.counterfactual == local.robustness.counterfactual


def test_an_audit_the_model_cannot_serve_is_refused_before_anything_runs(tables):
    calls = []

    def model(frame):
        calls.append(len(frame))
        return np.full(len(frame), 0.5)

    train, test = tables
    with pytest.raises(ModelCapabilityError) as info:
        audit.audit_model(model, train=train, test=test, target="approved",
                          sensitive_features=["sex"], favourable_label="yes",
                          audits={"fairness": {"enabled": True},
                                  "explainability": {"enabled": True, "methods": ["saliency"]},
                                  "privacy": {"enabled": True, "attacks": ["loss", "lira_offline"]}})
    assert calls == []  # not even scored
    message = str(info.value)
    assert "2 problems" in message
    assert "audits.explainability: expected a model that gives input_gradients" in message
    assert "predict_proba callable function on raw rows" in message
    assert "audits.privacy: expected a model that gives trainer" in message
    assert "ModelAdapter(model, trainer=...)" in message
