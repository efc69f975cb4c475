"""Hostile strings (issue 18): right-to-left overrides, zero-width characters, template payloads
and 10,000-character names, in column names, group values and card text, through a real run,
into the report, the model card, the technical documentation and the dashboard.

A bidi override shown raw reverses the numbers next to it; a zero-width character makes two
names look alike; ``{{7*7}}`` / ``${7*7}`` would print 49 if any layer evaluated user text
(Jinja, Streamlit's LaTeX, a Markdown renderer); a 10,000-character name made a report no
browser opens. Each must be shown as text: visible, literal, cut to a readable length.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from tests.bad_inputs._support import BASE_CONFIG, merge, tables

RLO, LRI, ZWSP = "\u202e", "\u2066", "\u200b"
GROUP_FEATURE = f"{RLO}group${{7*7}}"
NUMERIC_FEATURE = f"{{{{7*7}}}}{ZWSP}age"
LONG_GROUP = "L" + "x" * 9_999
GROUPS = (f"A{LRI}{{{{7*7}}}}", f"B{ZWSP}${{7*7}}", LONG_GROUP)
CARD_TEXT = "${7*7} {{7*7}} " + "y" * 10_000 + RLO


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """A real one-epoch run whose column names, group values, run name and card are hostile."""
    from audit.config import parse_config
    from audit.runner import run_audit

    folder = tmp_path_factory.mktemp("hostile")
    train, test = tables()
    for frame in (train, test):
        frame[GROUP_FEATURE] = [GROUPS[i % 3] for i in range(len(frame))]
        frame[NUMERIC_FEATURE] = frame["age"]
    train.to_csv(folder / "train.csv", index=False)
    test.to_csv(folder / "test.csv", index=False)
    config = merge(BASE_CONFIG, {
        "name": f"evil{RLO}{{{{7*7}}}}",
        "data": {"sensitive_features": [GROUP_FEATURE]},
        "audits": {"fairness": {"enabled": True, "bootstrap_replicates": 50,
                                "score_bootstrap_replicates": 0}},
        "card": {"intended_use": CARD_TEXT, "owners": f"${{7*7}}{ZWSP}"},
    })
    run = run_audit(parse_config(config, base_dir=folder), output_dir=folder / "out",
                    progress=False)
    return run.result


@pytest.fixture(scope="module")
def longer_names(hostile_run):
    """The run's result with a 10,000-character run name and feature name (a loaded file may
    hold them even though configs and data files refuse them)."""
    meta = hostile_run.metadata
    data = dataclasses.replace(meta.data, features=("f" * 10_000, *meta.data.features))
    return dataclasses.replace(hostile_run, metadata=dataclasses.replace(
        meta, run_name="r" * 10_000 + RLO, data=data))


def _assert_shown_safely(text: str, markdown: bool, groups_shown: bool = True) -> None:
    """No raw control character; each made visible; long names cut; payloads literal.
    ``groups_shown``: the output lists group values (the model card does not)."""
    for char in (RLO, LRI, ZWSP):
        assert char not in text, f"raw U+{ord(char):04X} in the output"
    shown = (lambda code: f"\\[U+{code}\\]") if markdown else (lambda code: f"[U+{code}]")
    codes = ("202E", "2066", "200B") if groups_shown else ("202E", "200B")
    assert all(shown(code) in text for code in codes), "not made visible"
    assert not re.search("x{1000}|r{1000}|f{1000}", text), "a 10,000-character name shown whole"
    if not markdown:  # the report lists every group: the long one's start is shown, then cut
        assert "L" + "x" * 150 in text and "more characters)" in text
    if markdown:
        assert "\\${7\\*7}" in text and "{{7\\*7}}" in text  # literal, escaped for Markdown
    else:
        assert "${7*7}" in text and "{{7*7}}" in text


def _without_inlined_js(html: str) -> str:
    """The report minus the JavaScript libraries it inlines (their code is not user data)."""
    from reports._vega import vega_bundle

    return html.replace(vega_bundle(), "")


def test_report_shows_hostile_names_as_inert_visible_text(longer_names):
    from reports import render_report

    html = _without_inlined_js(render_report(longer_names))
    _assert_shown_safely(html, markdown=False)
    assert len(html) < 3_000_000


def test_model_card_and_technical_documentation(longer_names):
    from reports import render_model_card
    from reports._governance import render_technical_documentation

    for text, groups_shown in ((render_model_card(longer_names), False),
                               (render_technical_documentation(longer_names), True)):
        _assert_shown_safely(text, markdown=True, groups_shown=groups_shown)
        assert "y" * 10_000 in text  # card text up to 20,000 characters is shown whole


def test_the_result_itself_keeps_the_exact_strings(hostile_run, tmp_path):
    """Only what is shown changes: the saved result round-trips the hostile strings exactly."""
    from audit.result import load_result, save_result

    back = load_result(save_result(hostile_run, tmp_path / "result.json"))
    assert back.metadata.card.intended_use == CARD_TEXT
    assert back.metadata.data.sensitive_features == (GROUP_FEATURE,)
    assert {g.group for g in back.fairness.partitions[0].groups} == set(GROUPS)


def test_terminal_headline_escapes_controls(hostile_run):
    from audit._safe_text import for_terminal
    from audit.runner import headline

    evil = dataclasses.replace(hostile_run, metadata=dataclasses.replace(
        hostile_run.metadata, run_name="x\x1b]0;owned\x07\x1b[2J" + RLO))
    lines = [for_terminal(line) for line in headline(evil)]
    assert not any("\x1b" in line or "\x07" in line or RLO in line for line in lines)
    assert "\\x1b]0;owned\\x07" in lines[0]
    assert "[U+202E]" in lines[0] or "\\u202e" in lines[0]  # made visible either way


@pytest.mark.slow
@pytest.mark.parametrize("page", ["overview", "fairness"])
def test_dashboard_shows_hostile_names_as_inert_visible_text(longer_names, tmp_path, page,
                                                             monkeypatch):
    pytest.importorskip("streamlit")
    from audit.result import save_result
    from tests._apptest import open_dashboard_page

    save_result(longer_names, tmp_path / "run" / "result.json")
    at = open_dashboard_page(tmp_path, page, monkeypatch)
    assert not at.exception, at.exception
    shown = [str(getattr(e, "value", "")) for e in at.main]
    shown += [str(e.value) for e in [*at.main.markdown, *at.main.caption, *at.sidebar.caption]]
    for frame in at.main.dataframe:
        shown.append(frame.value.to_string())
    text = "\n".join(shown)
    for char in (RLO, LRI, ZWSP):
        assert char not in text
    assert "[U+202E]" in text or "\\[U\\+202E\\]" in text
    assert not re.search("x{1000}|r{1000}|f{1000}", text)
