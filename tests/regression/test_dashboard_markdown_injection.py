"""Regression: user strings (run name, dates, typed paths, error messages quoting paths) went
into markdown f-strings (captions, alerts), so markdown in them was interpreted (``*bold*``,
``[link](javascript:...)``, ``$math$``, ``:red[...]``). They are now escaped and shown literally."""

from __future__ import annotations

import dataclasses

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from audit.result import save_result  # noqa: E402
from dashboards._state import md_escape  # noqa: E402
from tests.unit.test_dashboard_apptest import APP  # noqa: E402
from tests.unit.test_result_schema import make_result  # noqa: E402

EVIL = "<script>alert(1)</script> *bold* [link](javascript:alert(1)) $x$ :red[red]"


def test_md_escape_escapes_every_markdown_character():
    assert md_escape("a*b_c`d") == r"a\*b\_c\`d"
    assert md_escape("two\nlines") == "two lines"
    assert md_escape("plain words 123") == "plain words 123"


def test_run_name_is_shown_literally(tmp_path, monkeypatch):
    result = make_result()
    meta = dataclasses.replace(result.metadata, run_name=EVIL, data=dataclasses.replace(
        result.metadata.data, sensitive_features=(EVIL,)))
    save_result(dataclasses.replace(result, metadata=meta), tmp_path / "result.json")
    monkeypatch.setenv("RAI_AUDIT_RESULTS", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert at.main.caption[0].value.startswith(md_escape(EVIL) + " · ")
    assert at.sidebar.caption[0].value.startswith(f"Showing **{md_escape(EVIL)}**")
    assert at.table[1].value.loc["sensitive features", "value"] == EVIL  # tables show plain text
