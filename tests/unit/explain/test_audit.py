"""run_audit end to end on a tiny table: shape of the section, JSON round trip, determinism."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest
from pydantic import TypeAdapter

from audit.explain import ExplainabilityAuditConfig, RowsNotFoundError, run_audit
from audit.result import ExplainabilitySection

SMALL = dict(enabled=True, n_rows=120, n_rows_perturbation=40, kernel_shap_rows=12,
             n_check_rows=12, bootstrap_replicates=200, n_steps=16, n_samples=5, kernel_shap_samples=40,
             smoothing_samples=4)


@pytest.fixture(scope="module")
def section(tiny_dataset, tiny_model):
    return run_audit(tiny_dataset, tiny_model, ExplainabilityAuditConfig(**SMALL), seed=0)


def test_disabled_audit_returns_none(tiny_dataset, tiny_model):
    assert run_audit(tiny_dataset, tiny_model, ExplainabilityAuditConfig(), 0) is None


def test_section_covers_every_method_and_feature(section, tiny_dataset):
    names = [m.method for m in section.methods]
    assert names == ["integrated_gradients", "deeplift", "deeplift_shap", "gradient_shap",
                     "saliency", "feature_ablation", "shapley_value_sampling", "kernel_shap",
                     "saliency+smoothgrad"]
    features = set(tiny_dataset.feature_groups)
    for m in section.methods:
        assert {f.feature for f in m.features} == features
        values = [f.importance for f in m.features]
        assert values == sorted(values, reverse=True)
        assert all(f.interval.low <= f.importance <= f.interval.high for f in m.features)
    rows = {m.method: m.n_rows for m in section.methods}
    assert rows["integrated_gradients"] == 120 and rows["feature_ablation"] == 40
    assert rows["kernel_shap"] == 12
    assert section.output == "log-odds of y = yes"


def test_the_model_relies_on_what_generated_the_labels(section):
    ig = section.methods[0]
    top = [f.feature for f in ig.features[:3]]
    assert top[0] == "x1" and "x2" in top  # label logit: 2 x1 - x2 + 1.5 role=husband + ...


def test_representative_rows_add_up(section):
    kinds = [r.kind for r in section.rows]
    assert kinds[:2] == ["true positive", "false negative"] and kinds.count("borderline") == 2
    for row in section.rows:
        total = row.baseline_output + sum(row.contributions.values())
        assert total == pytest.approx(row.output + row.convergence_delta, abs=1e-4)
        assert math.isclose(1 / (1 + math.exp(-row.output)), row.probability, abs_tol=1e-5)
    borderline = [r for r in section.rows if r.kind == "borderline"]
    assert all(abs(r.probability - 0.5) < 0.1 for r in borderline)


def test_groups_and_proxies(section):
    groups = {(g.sensitive_feature, g.group): g for g in section.groups}
    assert set(groups) == {("sex", "female"), ("sex", "male")}
    assert sum(g.n for g in groups.values()) == 120
    proxies = {(p.feature, p.sensitive_feature): p for p in section.proxies}
    role = proxies[("role", "sex")]
    assert role.measure == "cramers_v" and role.association > 0.7
    assert proxies[("sex", "sex")].is_same_column and proxies[("sex", "sex")].association == 1.0
    assert proxies[("x1", "sex")].measure == "correlation_ratio"
    assert proxies[("x1", "sex")].association < 0.2 and not proxies[("x1", "sex")].flagged


def test_trust_checks_are_reported_for_every_method(section):
    by = {(c.method, c.check): c for c in section.checks}
    for m in section.methods:
        for check in ("infidelity", "sensitivity", "randomisation", "agreement"):
            assert (m.method, check) in by
    assert by[("integrated_gradients", "completeness")].status in ("pass", "warn")
    assert by[("deeplift", "completeness")].status == "pass"
    assert by[("gradient_shap", "completeness")].status in ("pass", "warn")  # measured now
    assert by[("gradient_shap", "completeness")].value >= 0
    assert len(section.agreement.spearman) == len(section.methods)
    assert section.agreement.spearman[0][0] == pytest.approx(1.0)


def test_section_round_trips_through_json(section):
    adapter = TypeAdapter(ExplainabilitySection)
    text = adapter.dump_json(section)
    json.loads(text)  # valid JSON (NaN written as a string)
    # NaN != NaN, so compare the re-serialised text (exact round trip)
    assert adapter.dump_json(adapter.validate_json(text)) == text


def test_same_seed_same_numbers(section, tiny_dataset, tiny_model):
    again = run_audit(tiny_dataset, tiny_model, ExplainabilityAuditConfig(**SMALL), seed=0)
    adapter = TypeAdapter(ExplainabilitySection)

    def untimed(s):  # wall-clock times differ between runs, every number else must not
        methods = tuple(dataclasses.replace(m, seconds=0.0) for m in s.methods)
        return adapter.dump_json(dataclasses.replace(s, timings={}, methods=methods))

    assert untimed(again) == untimed(section)


def test_requested_rows_that_do_not_exist(tiny_dataset, tiny_model):
    config = ExplainabilityAuditConfig(**{**SMALL, "methods": ("saliency",),
                                          "primary_method": "saliency", "checks": (),
                                          "rows": (3, 10_000)})
    with pytest.raises(RowsNotFoundError, match="10000"):
        run_audit(tiny_dataset, tiny_model, config, seed=0)
