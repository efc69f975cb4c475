"""Policy gates: interval-aware verdicts, missing metrics, exit codes, config errors."""

from dataclasses import replace

import pytest
from typer.testing import CliRunner

from audit.cli import app
from audit.errors import ConfigError
from audit.policy import GateConfig, PolicyConfig, evaluate_gate, evaluate_policy, load_policy
from audit.result import Interval, result_to_json, save_result
from tests.unit.test_result_schema import make_result


def accuracy_result(value, low, high):
    result = make_result()
    quality = replace(result.quality, accuracy=value,
                      accuracy_interval=Interval(low, high, 0.95, "wilson"))
    return replace(result, quality=quality)


@pytest.mark.parametrize("value,low,high,status", [
    (0.90, 0.88, 0.92, "pass"),   # interval clears
    (0.85, 0.79, 0.91, "warn"),   # point clears, interval straddles
    (0.75, 0.70, 0.80, "fail"),   # point fails
])
def test_interval_aware_verdict(value, low, high, status):
    gate = evaluate_gate(accuracy_result(value, low, high),
                         GateConfig(metric="quality.accuracy", min=0.8))
    assert gate.status == status
    assert gate.value == value and gate.interval.low == low


def test_point_value_only_when_interval_not_required():
    gate = evaluate_gate(accuracy_result(0.85, 0.79, 0.91),
                         GateConfig(metric="quality.accuracy", min=0.8, require_interval=False))
    assert gate.status == "pass"


def test_warn_severity_never_fails():
    gate = evaluate_gate(accuracy_result(0.5, 0.4, 0.6),
                         GateConfig(metric="quality.accuracy", min=0.8, severity="warn"))
    assert gate.status == "warn"


def test_metric_not_in_result_fails_by_default_and_says_why():
    result = evaluate_policy(make_result(), PolicyConfig(gates=[
        GateConfig(metric="privacy.attack_auc", max=0.55)]))
    assert result.status == "fail"
    assert "not measured" in result.gates[0].reason
    lenient = evaluate_policy(make_result(), PolicyConfig(
        gates=[GateConfig(metric="privacy.attack_auc", max=0.55)], missing_metric="warn"))
    assert lenient.status == "warn"


def test_non_private_model_has_infinite_epsilon():
    gate = evaluate_gate(make_result(), GateConfig(metric="privacy.epsilon", max=3.0))
    assert gate.status == "fail" and gate.value == float("inf")


def test_overall_status_is_the_worst_gate():
    result = evaluate_policy(accuracy_result(0.85, 0.79, 0.91), PolicyConfig(gates=[
        GateConfig(metric="quality.accuracy", min=0.8),
        GateConfig(metric="quality.accuracy", min=0.5)]))
    assert [g.status for g in result.gates] == ["warn", "pass"] and result.status == "warn"


def test_unknown_metric_is_a_config_error_with_suggestion():
    with pytest.raises(ConfigError, match="Did you mean 'quality.accuracy'"):
        evaluate_gate(make_result(), GateConfig(metric="quality.acuracy", min=0.8))


def test_gate_without_threshold_is_refused():
    with pytest.raises(ValueError, match="a max and/or a min threshold"):
        GateConfig(metric="quality.accuracy")


def test_policy_file_with_misspelled_key(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text("gates:\n  - metric: quality.accuracy\n    mni: 0.8\n")
    with pytest.raises(ConfigError, match="Did you mean 'min'"):
        load_policy(path)


def test_policy_result_round_trips():
    from audit.result import result_from_json

    judged = replace(make_result(), policy=evaluate_policy(
        accuracy_result(0.85, 0.79, 0.91), PolicyConfig(gates=[
            GateConfig(metric="quality.accuracy", min=0.8)])))
    assert result_to_json(result_from_json(result_to_json(judged))) == result_to_json(judged)


def test_check_command_exit_codes(tmp_path):
    result_path = save_result(accuracy_result(0.75, 0.70, 0.80), tmp_path / "result.json")
    failing = tmp_path / "fail.yaml"
    failing.write_text("gates:\n  - metric: quality.accuracy\n    min: 0.8\n    name: accuracy floor\n")
    out = CliRunner().invoke(app, ["check", str(result_path), "--policy", str(failing)])
    assert out.exit_code == 1
    assert "FAIL accuracy floor" in out.output and "policy failed: accuracy floor" in out.output
    passing = tmp_path / "pass.yaml"
    passing.write_text("gates:\n  - metric: quality.accuracy\n    min: 0.5\n")
    assert CliRunner().invoke(app, ["check", str(result_path), "--policy", str(passing)]).exit_code == 0


def test_report_shows_gates():
    from reports import render_report

    judged = replace(make_result(), policy=evaluate_policy(
        accuracy_result(0.85, 0.79, 0.91), PolicyConfig(gates=[
            GateConfig(metric="quality.accuracy", min=0.8, name="accuracy floor")])))
    html = render_report(judged)
    assert "accuracy floor" in html and 'class="light warn"' in html


def test_metrics_command_lists_names():
    out = CliRunner().invoke(app, ["metrics"])
    assert out.exit_code == 0 and "privacy.attack_auc" in out.output


def test_fairness_gates_read_the_fairness_section():
    import numpy as np

    from audit.fairness import audit_fairness

    rng = np.random.default_rng(0)
    n = 2000
    sex = rng.choice(["F", "M"], size=n)
    y = rng.integers(0, 2, size=n)
    scores = np.clip(0.5 * y + 0.3 * (sex == "M") + rng.normal(0, 0.2, n), 0, 1)
    import pandas as pd

    section = audit_fairness(y, scores, pd.DataFrame({"sex": sex}), seed=0)
    result = make_result().with_section("fairness", section)
    disparity = next(d for d in section.partitions[0].disparities
                     if d.name == "demographic_parity_ratio")
    gate = evaluate_gate(result, GateConfig(metric="fairness.demographic_parity_ratio[sex]", min=0.8))
    assert gate.value == disparity.value and gate.interval == disparity.interval
    assert gate.status == "fail"  # men are selected far more often by construction
    size = evaluate_gate(result, GateConfig(metric="fairness.min_group_size", min=30))
    assert size.status == "pass" and size.value == min(g.size for g in section.partitions[0].groups)


def test_run_with_policy_flag_exits_1_after_writing_both_files(tmp_path):
    """End to end on a tiny CSV table: a failing gate names itself, files are still written."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=200), "g": rng.choice(["a", "b"], size=200)})
    frame["y"] = (frame["x"] > 0).astype(int)
    frame.to_csv(tmp_path / "train.csv", index=False)
    frame.to_csv(tmp_path / "test.csv", index=False)
    config = tmp_path / "audit.yaml"
    config.write_text("data: {loader: csv, train_path: train.csv, test_path: test.csv, target: y, "
                      "sensitive_features: [g]}\ntraining: {epochs: 1}\n")
    policy = tmp_path / "policy.yaml"
    policy.write_text("gates:\n  - {metric: quality.accuracy, min: 0.999, name: near perfect}\n")
    out = CliRunner().invoke(app, ["run", str(config), "--out", str(tmp_path / "out"),
                                   "--policy", str(policy), "--quiet"])
    assert out.exit_code == 1, out.output
    assert "policy failed: near perfect" in out.output
    assert (tmp_path / "out" / "result.json").exists() and (tmp_path / "out" / "report.html").exists()


def test_worst_metric_reports_the_largest_value_first_on_a_tie_and_none_without_items():
    from audit.policy._metrics import _REGISTRY, MetricValue, register_worst_metric

    items = {"a": [1.0, 3.0, 3.0, 2.0], "empty": []}
    fn = register_worst_metric("test.worst_of_items", "test only",
                               lambda result, arg: list(enumerate(items[arg])),
                               lambda item: MetricValue(item[1], None, f"item {item[0]}"))
    try:
        assert fn(None, "a") == MetricValue(3.0, None, "item 1")
        assert fn(None, "empty") is None
    finally:
        del _REGISTRY["test.worst_of_items"]
