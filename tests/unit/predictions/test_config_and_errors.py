"""`rai-audit audit-predictions CONFIG` end to end, the strict config, and bad logs refused with
typed errors that say what was expected, what arrived and how to fix it."""

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from audit.cli import app
from audit.errors import ConfigError, EmptyTableError, MissingSensitiveValueError
from audit.fairness import TooManyGroupsError
from audit.predictions import (
    CountsTableTooLargeError,
    LogColumnMissingError,
    LogValueError,
    UnsupportedTableError,
    audit_predictions,
    load_prediction_config,
    parse_prediction_config,
)
from audit.result import load_result

runner = CliRunner()

CONFIG = """
name: synthetic loan decisions
log:
  path: {path}
label: label
score: score
sensitive_features: [sex, race]
features: [age, region, channel]
timestamp: ts
window: week
quasi_identifiers: [age, sex, region]
fairness: {{bootstrap_replicates: 200, score_bootstrap_replicates: 20}}
error_analysis: {{bootstrap_replicates: 100}}
policy:
  gates:
    - {{metric: "fairness.latest_window.demographic_parity_difference[sex]", max: 0.1}}
    - {{metric: "fairness.demographic_parity_difference[race]", max: 0.1}}
"""


def test_cli_writes_result_and_report_and_fails_the_latest_window_gate(log_parquet, tmp_path):
    config = tmp_path / "audit.yaml"
    config.write_text(CONFIG.format(path=log_parquet))
    out = runner.invoke(app, ["audit-predictions", str(config), "--out", str(tmp_path / "out")])
    assert out.exit_code == 1, out.output  # the latest week's gap fails its gate
    assert "gate FAIL fairness.latest_window.demographic_parity_difference[sex]" in out.output
    assert "gate PASS fairness.demographic_parity_difference[race]" in out.output
    result = load_result(tmp_path / "out" / "result.json")
    assert result.metadata.log.engine == "polars" and result.metadata.log.n_rows == 30_000
    assert result.fairness.window == "week" and len(result.fairness.windows) == 10
    html = (tmp_path / "out" / "report.html").read_text()
    assert "Over time (per week)" in html and "Demographic parity difference of sex per week" in html
    assert "± 0.0" in html  # AUC error bounds are shown


def test_config_is_strict_and_resolves_the_log_path(tmp_path, log_parquet):
    config = tmp_path / "c.yaml"
    config.write_text("label: label\nscore: score\nsensitive_features: [sex]\nwindw: week\n")
    out = runner.invoke(app, ["audit-predictions", str(config)])
    assert out.exit_code == 2 and "Did you mean 'window'?" in out.output
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "log.parquet").write_bytes(log_parquet.read_bytes())
    config.write_text("log: {path: logs/log.parquet}\nlabel: label\nprediction: label\n"
                      "sensitive_features: [sex]\n")
    assert load_prediction_config(config).log.path == tmp_path / "logs" / "log.parquet"


@pytest.mark.parametrize("bad, message", [
    ({"score": "score", "prediction": "label"}, "exactly one of them"),
    ({"fairness": {"mitigation": {"enabled": True}}}, "mitigation retrains a model"),
    ({"score_bins": 1001}, "a multiple of 10"),
    ({"window": "week"}, "a timestamp column"),
    ({"fairness": {"sensitive_features": ["sex"]}}, "at the top level"),
])
def test_config_refuses_what_cannot_apply_to_a_log(bad, message):
    base = {"label": "label", "score": "score", "sensitive_features": ["sex"]}
    with pytest.raises(ConfigError, match=message):
        parse_prediction_config({**base, **bad})


def small_log(**changes):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"y": rng.integers(0, 2, 200), "p": rng.random(200),
                          "g": rng.choice(["a", "b"], 200)})
    return frame.assign(**changes)


def test_bad_logs_are_refused_with_typed_errors():
    with pytest.raises(LogColumnMissingError, match="Did you mean 'g'"):
        audit_predictions(small_log(), label="y", score="p", sensitive_features=["gg"])
    with pytest.raises(LogValueError, match="two values"):
        audit_predictions(small_log(y=np.arange(200) % 3), label="y", score="p",
                          sensitive_features=["g"])
    with pytest.raises(LogValueError, match="favourable_label"):
        audit_predictions(small_log(), label="y", score="p", sensitive_features=["g"],
                          favourable_label="yes")
    with pytest.raises(LogValueError, match=r"probabilities in \[0, 1\]"):
        audit_predictions(small_log(p=np.linspace(-1, 3, 200)), label="y", score="p",
                          sensitive_features=["g"])
    with pytest.raises(LogValueError, match="missing values"):
        audit_predictions(small_log(p=np.where(np.arange(200) == 3, np.nan, 0.5)), label="y",
                          score="p", sensitive_features=["g"])
    with pytest.raises(EmptyTableError):
        audit_predictions(small_log().iloc[:0], label="y", score="p", sensitive_features=["g"])
    with pytest.raises(MissingSensitiveValueError, match="3 missing values"):
        audit_predictions(small_log(g=np.where(np.arange(200) < 3, None, "a")), label="y",
                          score="p", sensitive_features=["g"])
    with pytest.raises(UnsupportedTableError, match="a pandas, Polars"):
        audit_predictions([[1, 2]], label="y", score="p", sensitive_features=["g"])


def test_limits_protect_the_driver():
    frame = small_log(g=np.arange(200).astype(str))
    with pytest.raises(TooManyGroupsError):  # the fairness module's own limit
        audit_predictions(frame, label="y", score="p", sensitive_features=["g"])
    rng = np.random.default_rng(1)
    wide = pd.DataFrame({"y": rng.integers(0, 2, 3000), "p": rng.random(3000),
                         "g": rng.integers(0, 50, 3000)})  # ~3,000 occupied cells
    with pytest.raises(CountsTableTooLargeError, match="at most 1,000 rows on the driver"):
        audit_predictions(wide, label="y", score="p", sensitive_features=["g"],
                          config={"max_counts_rows": 1000, "score_bins": 1000})


def test_decisions_with_string_labels():
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"outcome": rng.choice(["approved", "denied"], 500),
                          "g": rng.choice(["a", "b"], 500)})
    frame["decision"] = np.where(frame["g"] == "a", "approved", frame["outcome"])
    result = audit_predictions(frame, label="outcome", prediction="decision",
                               sensitive_features=["g"], favourable_label="approved")
    groups = {g.group: g for g in result.fairness.partitions[0].groups}
    assert groups["a"].metrics["selection_rate"].value == 1.0
    assert groups["a"].metrics["roc_auc"].undefined_reason.startswith("no scores")
    assert result.fairness.partitions[0].histogram is None
    assert np.isnan(result.quality.threshold) and np.isnan(result.quality.roc_auc)
