"""The contract battery: one set of checks run over every registered audit (the scikit-learn
``parametrize_with_checks`` idea). A new audit is checked by these tests without any edit here;
``FAST_CONFIGS`` only shrinks the built-in audits' defaults so the battery stays quick."""

from __future__ import annotations

import json
import math

import pytest

from audit.core import get_audit, registered_audits
from audit.errors import ConfigError
from audit.result import result_from_json, result_to_json

#: Small settings for the built-in audits (any other audit runs with its ``example_config()``).
FAST_CONFIGS = {
    "privacy": {"attacks": ["loss", "lira_offline"], "n_reference_models": 2,
                "n_audit_members": 100},
    "explainability": {"methods": ["integrated_gradients", "saliency"], "n_rows": 60,
                       "n_check_rows": 16, "bootstrap_replicates": 50, "checks": ["completeness"],
                       "record_during_training": False},
    "counterfactuals": {"n_rows": 20, "n_per_row": 2, "steps": 30},
    "fairness": {"bootstrap_replicates": 100, "score_bootstrap_replicates": 20},
    "robustness": {"noise_scales": [0.1], "perturb_features": ["years"]},
    "error_analysis": {"min_support": 30},
    "text_bias": {"seat": False, "attributions": False, "axes": ["names_gender"],
                  "max_templates": 2, "bootstrap_replicates": 20},
    "text_models": {"baselines": True},
}
SLUGS = [a.slug for a in registered_audits()]


def example_config(audit):
    """The audit's example config, shrunk by ``FAST_CONFIGS`` (validated)."""
    base = audit.example_config()
    return audit.config_type.model_validate({**base.model_dump(), **FAST_CONFIGS.get(audit.slug, {})})


@pytest.fixture(scope="module")
def sections(request):
    """Each audit run once on a real context of its first modality: slug -> (ctx, section)."""
    cache: dict = {}

    def get(slug):
        if slug not in cache:
            audit = get_audit(slug)
            ctx = request.getfixturevalue(f"{audit.modalities[0]}_context")
            cache[slug] = (ctx, audit.run(ctx, example_config(audit)))
        return cache[slug]
    return get


def _result_with(slug, section):
    from tests.unit.test_result_schema import make_result

    return make_result().with_section(slug, section, seconds=1.5)


@pytest.mark.parametrize("slug", SLUGS)
def test_config_round_trips_and_refuses_unknown_keys(slug):
    from audit.config import parse_config

    audit = get_audit(slug)
    config = example_config(audit)
    again = audit.config_type.model_validate(json.loads(config.model_dump_json()))
    assert again == config and again.enabled
    whole = parse_config({"audits": {slug: json.loads(config.model_dump_json())}})
    assert getattr(whole.audits, slug) == config  # the config key is the slug
    with pytest.raises(ConfigError, match=f"audits.{slug}.no_such_option"):
        parse_config({"audits": {slug: {"no_such_option": 1}}})
    assert getattr(parse_config({}).audits, slug).enabled is audit.config_type().enabled


@pytest.mark.slow
@pytest.mark.parametrize("slug", SLUGS)
def test_section_round_trips_through_json_exactly(slug, sections):
    audit = get_audit(slug)
    _, section = sections(slug)
    assert isinstance(section, audit.section_type)
    result = _result_with(slug, section)
    text = result_to_json(result)
    back = result_from_json(text)
    assert result_to_json(back) == text
    assert getattr(back, slug) is not None and back.record(slug).status == "ok"
    assert json.loads(text)["sections"][slug]["seconds"] == 1.5


@pytest.mark.slow
@pytest.mark.parametrize("slug", SLUGS)
def test_report_renders_the_section_under_its_slug(slug, sections):
    from reports import render_report
    from tests.unit.test_result_schema import make_result

    def body(html):
        start = html.index(f'<section id="{slug}">')
        return html[start:html.index("</section>", start)]

    html = render_report(_result_with(slug, sections(slug)[1]))
    assert f'href="#{slug}"' in html
    assert body(html) != body(render_report(make_result()))  # the section shows its findings


@pytest.mark.slow
@pytest.mark.parametrize("slug", SLUGS)
def test_dashboard_page_renders(slug, sections, tmp_path, monkeypatch):
    from audit.result import save_result
    from tests._apptest import open_audit_page

    save_result(_result_with(slug, sections(slug)[1]), tmp_path / "result.json")
    at = open_audit_page(tmp_path / "result.json", slug, monkeypatch)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


@pytest.mark.slow
@pytest.mark.parametrize("slug", SLUGS)
def test_every_gate_metric_of_the_audit_resolves(slug, sections):
    from audit.policy import available_metrics, resolve_metric

    names = [m for m in available_metrics() if m.split(".")[0] == slug]
    result = _result_with(slug, sections(slug)[1])
    for name in names:
        value = resolve_metric(result, name)
        assert value is None or isinstance(value.value, float) or math.isnan(value.value), name
    from tests.unit.test_result_schema import make_result

    for name in names:  # absent section: "not measured" (or, for epsilon, "no DP": infinite)
        absent = resolve_metric(make_result(), name)
        assert absent is None or math.isinf(absent.value), name


def test_every_gate_metric_prefix_is_an_audit_or_quality():
    from audit.policy import available_metrics

    prefixes = {m.split(".")[0] for m in available_metrics()}
    assert prefixes <= {*SLUGS, "quality"}, prefixes - {*SLUGS, "quality"}
    assert {"fairness", "privacy", "explainability"} <= prefixes


@pytest.mark.parametrize("slug", SLUGS)
def test_disabled_means_absent(slug, tabular_context):
    from audit.config import parse_config
    from audit.runner import enabled_audits

    audit = get_audit(slug)
    config = parse_config({"audits": {slug: {"enabled": False}}})
    assert slug not in [a.slug for a, _ in enabled_audits(config)]
    assert audit.free_section(tabular_context) is None  # nothing measured for free without DP


@pytest.mark.parametrize("slug", SLUGS)
def test_unsupported_modality_is_refused_before_loading(slug):
    from audit.config import parse_config
    from audit.runner import check_config

    audit = get_audit(slug)
    others = [m for m in ("tabular", "text") if m not in audit.modalities]
    if not others:
        pytest.skip(f"{slug} supports every modality a config can name")
    data = ({"loader": "text", "train_path": "a.csv", "test_path": "b.csv", "target": "y",
             "text": {"text": "t"}} if others[0] == "text" else {"loader": "adult"})
    config = parse_config({"data": data, "audits": {slug: {"enabled": True}}})
    with pytest.raises(ConfigError, match=rf"audits\.{slug}\.enabled.*{others[0]} data"):
        check_config(config)
