"""The Markdown model card: content from the result, user strings escaped, CLI export."""

from dataclasses import replace

from typer.testing import CliRunner

from audit.cli import app
from audit.result import save_result
from reports import render_model_card
from tests.unit.test_result_schema import make_result


def test_card_has_the_numbers_and_headings():
    text = render_model_card(make_result())
    for heading in ("## Intended use", "## Data", "## Quantitative analysis", "## Privacy",
                    "## Fairness", "## Limitations"):
        assert heading in text
    assert "| Accuracy [95% Wilson CI] | 0.6000 [0.2000, 0.9000] |" in text
    assert "| Precision / recall | undefined / 0.0000 |" in text  # NaN is never shown as 0


def test_user_strings_cannot_inject_html_or_break_tables():
    result = make_result()
    evil = '<script>alert(1)</script> | col'
    meta = replace(result.metadata, run_name=evil,
                   card=replace(result.metadata.card, intended_use='"><img src=x onerror=alert(1)>'))
    text = render_model_card(replace(result, metadata=meta))
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


def test_card_command_writes_file(tmp_path):
    path = save_result(make_result(), tmp_path / "result.json")
    out = CliRunner().invoke(app, ["card", str(path), "--out", str(tmp_path / "card.md")])
    assert out.exit_code == 0
    assert (tmp_path / "card.md").read_text().startswith("# Model card: r")
