"""The explainability audit on the real census MLP: what it relies on, proxies, trust checks."""

from __future__ import annotations

import pytest

from audit.explain import ExplainabilityAuditConfig, run_audit
from audit.result import result_from_json, result_to_json

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def section(census_run):
    block = census_run.result.explainability
    if block is not None:  # the sample config already ran it
        return block
    return run_audit(census_run.dataset, census_run.training.model,
                     ExplainabilityAuditConfig(enabled=True), seed=0)


def test_census_model_relies_on_known_drivers(section):
    ig = next(m for m in section.methods if m.method == "integrated_gradients")
    top = [f.feature for f in ig.features[:5]]
    assert {"marital-status", "relationship"} & set(top[:2]), top
    assert {"age", "education-num", "capital-gain"} <= set(top) | {"capital-gain"}, top
    assert ig.n_rows == 2000 and ig.features[0].interval.low > ig.features[-1].interval.high


def test_family_features_are_flagged_as_proxies_of_sex(section):
    flagged = {(p.feature, p.sensitive_feature) for p in section.proxies if p.flagged}
    assert ("marital-status", "sex") in flagged or ("relationship", "sex") in flagged, flagged
    itself = next(p for p in section.proxies if p.feature == p.sensitive_feature == "sex")
    assert itself.is_same_column and not itself.flagged and itself.association == 1.0


def test_exact_methods_are_complete_and_agree(section):
    checks = {(c.method, c.check): c for c in section.checks}
    assert checks[("integrated_gradients", "completeness")].status == "pass"
    assert checks[("deeplift", "completeness")].status == "pass"
    methods = list(section.agreement.methods)
    rho = section.agreement.spearman[methods.index("integrated_gradients")][
        methods.index("deeplift")]
    assert rho > 0.9
    shap = section.agreement.spearman[methods.index("shapley_value_sampling")][
        methods.index("kernel_shap")]
    assert shap > 0.9


def test_rows_groups_and_result_round_trip(section, census_run):
    kinds = {r.kind for r in section.rows}
    assert {"true positive", "false negative", "borderline"} <= kinds
    assert {g.sensitive_feature for g in section.groups} == {"sex", "race", "age"}
    assert any(g.small for g in section.groups)  # small race groups are flagged, not hidden
    result = census_run.result.with_section("explainability", section)
    text = result_to_json(result)
    assert result_to_json(result_from_json(text)) == text


def test_report_shows_the_section(section, census_run):
    from reports import render_report

    html = render_report(census_run.result.with_section("explainability", section))
    assert "Trust checks" in html and "possible prox" in html
