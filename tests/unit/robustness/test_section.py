"""The robustness section end to end: schema round trip, policy gates, report and dashboard."""

from __future__ import annotations

from dataclasses import replace

import pytest

from audit.config import parse_config
from audit.policy import evaluate_policy, resolve_metric
from audit.policy._config import PolicyConfig
from audit.result import result_from_json, result_to_json
from audit.robustness import RobustnessAuditConfig, audit_robustness, text_counterfactual_stability
from reports import render_report
from tests._apptest import open_dashboard_page
from tests.unit.test_result_schema import make_result


@pytest.fixture(scope="module")
def section(adult, scorer):
    return audit_robustness(scorer, adult, RobustnessAuditConfig(
        enabled=True, numeric_shifts={"age": [-10, 10]}, noise_scales=[0.01, 0.05]), seed=0)


@pytest.fixture(scope="module")
def result(section):
    text = text_counterfactual_stability(lambda t: [0.9 if "x" in s else 0.1 for s in t],
                                         ["a {term}", "b {term}"], ["x", "y"])
    return make_result().with_section("robustness", replace(section, text=text))


def test_section_contents(section, adult):
    assert [c.feature for c in section.counterfactual] == ["sex", "race", "age"]
    assert section.n_rows == len(adult.test) and section.split == "test"
    assert [n.scale for n in section.noise] == [0.01, 0.05]
    assert {p.feature for p in section.perturbations} == {
        f for f in adult.preprocessor.feature_groups_ if f not in adult.sensitive_features}
    assert len(section.threshold_sensitivity.thresholds) == 19
    assert any("Changing only sex" in line for line in section.reading)


def test_json_round_trip_is_exact(result):
    text = result_to_json(result)
    assert result_to_json(result_from_json(text)) == text


def test_gate_metrics_use_the_clopper_pearson_interval(result, section):
    sex = resolve_metric(result, "robustness.counterfactual_flip_rate[sex]")
    assert sex.value == section.counterfactual[0].overall.rate
    assert sex.interval == section.counterfactual[0].overall.interval
    worst = resolve_metric(result, "robustness.counterfactual_flip_rate")
    assert worst.value == max(c.overall.rate for c in section.counterfactual)
    assert resolve_metric(result, "robustness.noise_flip_rate[0.05]").value == section.noise[1].overall.rate
    assert resolve_metric(result, "robustness.noise_flip_rate[0.3]") is None
    assert resolve_metric(result, "robustness.perturbation_flip_rate").value == \
        section.perturbations[0].overall.rate
    assert resolve_metric(result, "robustness.text_flip_rate").value == 1.0
    assert resolve_metric(make_result(), "robustness.counterfactual_flip_rate[sex]") is None


def test_gate_judges_the_upper_bound(result, section):
    fr = section.counterfactual[0].overall
    between = (fr.rate + fr.interval.high) / 2  # the value clears it, the interval does not
    policy = PolicyConfig(gates=[
        {"metric": "robustness.counterfactual_flip_rate[sex]", "max": fr.interval.high + 1e-9},
        {"metric": "robustness.counterfactual_flip_rate[sex]", "max": between},
        {"metric": "robustness.counterfactual_flip_rate[sex]", "max": 0.01}])
    statuses = [g.status for g in evaluate_policy(result, policy).gates]
    assert statuses == ["pass", "warn", "fail"]


def test_config_block_parses_and_refuses_typos():
    cfg = parse_config({"audits": {"robustness": {"enabled": True, "numeric_shifts": {"age": [-5, 5]}}}})
    assert cfg.audits.robustness.numeric_shifts == {"age": [-5.0, 5.0]}
    from audit.errors import ConfigError

    with pytest.raises(ConfigError, match="noise_scale"):
        parse_config({"audits": {"robustness": {"noise_scale": [0.1]}}})
    with pytest.raises(ConfigError, match="threshold_grid"):
        parse_config({"audits": {"robustness": {"threshold_grid": [0.5, 1.5]}}})


def test_report_shows_the_section_and_escapes_names(result):
    html = render_report(result)
    assert 'id="robustness"' in html and 'href="#robustness"' in html
    assert "Counterfactual stability" in html and "Decision-threshold sensitivity" in html
    evil = "<script>alert(1)</script>"
    cf = result.robustness.counterfactual[0]
    bad = replace(cf, feature=evil, by_change=tuple(replace(f, label=evil) for f in cf.by_change))
    html = render_report(result.with_section("robustness", replace(
        result.robustness, counterfactual=(bad,), reading=(evil,))))
    assert evil not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_report_without_section_says_so():
    assert "The robustness checks were not run in this audit." in render_report(make_result())


def test_dashboard_page_renders(result, tmp_path, monkeypatch):
    from audit.result import save_result

    path = save_result(result, tmp_path / "result.json")
    at = open_dashboard_page(path.parent, "robustness", monkeypatch)
    assert not at.exception
    assert any("Robustness" in h.value for h in at.header)
    assert len(at.dataframe) >= 4


def test_runner_wires_the_concern_and_the_sample_config_enables_it(adult):
    import torch

    from audit.config import load_config
    from audit.models import build_model
    from audit.robustness import run_audit
    from audit.runner import enabled_audits

    cfg = load_config("sample_models/census_income/audit.yaml")
    assert cfg.audits.robustness.enabled and cfg.audits.robustness.numeric_shifts == {"age": [-10.0, 10.0]}
    assert "robustness" in [a.slug for a, _ in enabled_audits(cfg)]
    torch.manual_seed(0)
    model = build_model("mlp", input_width=adult.n_features, hidden_sizes=[8])
    threads = torch.get_num_threads()
    section = run_audit(adult, model, RobustnessAuditConfig(enabled=True, noise_scales=[0.1],
                                                            perturb_features=["age"], cpu_threads=2),
                        seed=0)
    assert torch.get_num_threads() == threads  # restored
    assert section.n_rows == len(adult.test) and [p.feature for p in section.perturbations] == ["age"]
    assert set(section.timings) == {"counterfactual_seconds", "perturbation_seconds", "threshold_seconds"}


def test_dashboard_page_without_section_says_so(tmp_path, monkeypatch):
    from audit.result import save_result

    save_result(make_result(), tmp_path / "result.json")
    at = open_dashboard_page(tmp_path, "robustness", monkeypatch)
    assert not at.exception
    assert any("robustness checks were not run" in i.value for i in at.info)
