"""Governance documentation: content from the card fields and the result, the Annex IV mapping
stated as an aid (never a compliance claim), escaping, HTML section and CLI export."""

from __future__ import annotations

from dataclasses import replace

from typer.testing import CliRunner

from audit.cli import app
from audit.result import PrivacySection, PrivacySpend, save_result
from reports import render_model_card, render_report
from reports._governance import (
    ANNEX_IV,
    DISCLAIMER,
    _data_scan_items,
    governance_sections,
    render_technical_documentation,
)
from tests.unit.test_result_schema import make_result


def _result(**card):
    result = make_result()
    meta = replace(result.metadata, card=replace(result.metadata.card, **card))
    return replace(result, metadata=meta)


def _spend() -> PrivacySpend:
    return PrivacySpend(accountant="prv", epsilon=2.5, delta=1e-5, delta_rule="1/n", epsilons={"prv": 2.5},
                        noise_multiplier=0.9, max_grad_norm=1.0, sample_rate=0.01, steps=1000, epochs=5,
                        poisson_sampling=True, clipping="flat", grad_sample_mode="hooks")


def test_sections_and_annex_mapping_cover_the_headings():
    sections = governance_sections(make_result())
    titles = [s.title for s in sections]
    for needed in ("General description and intended purpose", "Training data and its licence",
                   "Data privacy measures", "Fairness evaluation", "Robustness and controllability",
                   "Known limitations and foreseeable risks", "Human oversight"):
        assert needed in titles
    mapped = {a for s in sections for a in s.annex_iv}
    assert mapped <= set(ANNEX_IV)
    assert {"1", "2(d)", "2(e)", "2(g)", "3", "4", "6", "7", "9"} <= mapped


def test_markdown_states_the_mapping_is_not_a_compliance_claim():
    text = render_technical_documentation(_result(intended_use="Demo only.", contact="team@example.org",
                                                  human_oversight="A person reviews each decision."))
    assert text.startswith("# Technical documentation: r")
    assert "not a legal assessment" in DISCLAIMER and "does not claim compliance" in DISCLAIMER
    assert "does not claim compliance" in text
    assert "## Mapping to EU AI Act Annex IV headings (a mapping aid, not a compliance claim)" in text
    assert "| General description and intended purpose | 1: General description" in text
    assert "Annex IV 8: the EU declaration of conformity" in text
    assert "- **Intended use:** Demo only." in text
    assert "- **Oversight measures:** A person reviews each decision." in text
    assert "- **Contact:** team@example.org" in text
    assert "Not stated in the config" in text  # e.g. the monitoring plan


def test_privacy_measures_come_from_the_result():
    text = render_technical_documentation(make_result())
    assert "not used: the model carries no formal privacy guarantee" in text
    assert "- **Data scan:** not run in this audit" in text
    dp = make_result().with_section("privacy", PrivacySection(spend=_spend()))
    text = render_technical_documentation(dp)
    assert "epsilon 2.500 at delta 1e-05 (prv accountant), noise multiplier 0.900, clipping norm 1" in text


def test_data_scan_is_read_defensively():
    class Anon:
        quasi_identifiers = ("age", "zip")
        k = 3
        prosecutor_risk_max = 1 / 3

    class Scan:
        anonymity = Anon()
        text = ()

    items = dict(_data_scan_items(Scan()))
    assert items["Data scan: k-anonymity"].startswith("k = 3 on quasi-identifiers age, zip")
    assert _data_scan_items(object()) == [
        ("Data scan", "run; see the report's data privacy section")]


def test_user_strings_are_escaped_in_markdown_and_html():
    evil = "<script>alert(1)</script> | x"
    result = _result(human_oversight=evil, limitations=evil)
    text = render_technical_documentation(result)
    assert "<script>" not in text and "&lt;script&gt;" in text
    html = render_report(result)
    assert 'id="governance"' in html and 'href="#governance"' in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Accuracy" in html and "0.6000 [0.2000, 0.9000]" in html


def test_model_card_shows_the_new_card_fields():
    text = render_model_card(_result(version="1.2", contact="me", human_oversight="reviewed"))
    assert "- Version: 1.2" in text and "- Contact: me" in text
    assert "## Human oversight\nreviewed" in text
    assert "## Robustness\nThe robustness checks were not run." in text


def test_card_technical_command_writes_the_documentation(tmp_path):
    path = save_result(make_result(), tmp_path / "result.json")
    out = CliRunner().invoke(app, ["card", str(path), "--technical", "--out", str(tmp_path / "doc.md")])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "doc.md").read_text().startswith("# Technical documentation: r")
    assert "technical documentation:" in out.output


def test_sections_without_audits_say_so():
    sections = {s.id: s for s in governance_sections(make_result())}
    assert sections["gov-fairness"].sentences == ["The fairness audit was not run."]
    assert dict(sections["gov-performance"].items)["Accuracy"] == \
        "0.6000 [0.2000, 0.9000] (95% Wilson interval)"
