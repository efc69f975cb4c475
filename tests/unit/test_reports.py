"""The HTML report shell: self-contained, escaped, atomic."""

import json
import re

import pytest

from reports import json_for_script, render_report, write_report
from tests.unit.test_result_schema import make_result


def test_report_has_every_section():
    html = render_report(make_result())
    for section in ("summary", "card", "quality", "privacy", "fairness", "explainability",
                    "history", "appendix"):
        assert f'id="{section}"' in html


def test_report_fetches_nothing():
    html = render_report(make_result())
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<link" not in html and "@import" not in html
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    # XML namespace names are identifiers, not fetched resources
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink",
                    "http://www.w3.org/2000/xmlns/"}, urls


def test_json_for_script_cannot_close_the_script():
    text = json_for_script({"name": "</script><script>alert(1)</script>", "a": "&"})
    assert "</script>" not in text and "<" not in text and "&" not in text
    assert json.loads(str(text)) == {"name": "</script><script>alert(1)</script>", "a": "&"}


def test_user_strings_are_escaped():
    from dataclasses import replace

    result = make_result()
    evil = "<script>alert(1)</script>"
    meta = replace(result.metadata, run_name=evil,
                   data=replace(result.metadata.data, sensitive_features=(evil,)))
    html = render_report(replace(result, metadata=meta))
    assert evil not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_undefined_metric_is_shown_as_undefined_not_zero():
    html = render_report(make_result())
    assert "undefined" in html  # precision is NaN in make_result


def test_write_report_is_atomic(tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    target.write_text("previous good report")
    import reports._render as render

    def fail(result):
        raise RuntimeError("render failed")

    monkeypatch.setattr(render, "render_report", fail)
    with pytest.raises(RuntimeError):
        render.write_report(make_result(), target)
    assert target.read_text() == "previous good report"
    monkeypatch.undo()
    write_report(make_result(), target)
    assert target.read_text().startswith("<!DOCTYPE html>")
