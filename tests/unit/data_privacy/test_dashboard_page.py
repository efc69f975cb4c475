"""The dashboard's data privacy page under ``streamlit.testing.v1.AppTest``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from audit.data_privacy import scan_table  # noqa: E402
from audit.result import result_from_json, result_to_json  # noqa: E402
from tests.unit.test_result_schema import make_result  # noqa: E402

PAGE = str(Path(__file__).resolve().parents[3] / "dashboards" / "pages" / "data_privacy.py")
EVIL = "<b>*zip*</b> [x](http://e)"


def _result():
    frame = pd.DataFrame({EVIL: ["94103", "94103", "10001", "60601"] * 3,
                          "age": [34, 36, 51, 29] * 3, "y": [0, 1, 0, 1] * 3,
                          "note": ["call 415-555-0132", "ok", "x@y.org", "ok"] * 3})
    section = scan_table(frame, [EVIL, "age"], sensitive="y", k_target=3, text_columns=["note"],
                         max_suppression=0.5, source=EVIL)
    return result_from_json(result_to_json(make_result().with_section("data_privacy", section)))


def _run(result) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["result"] = result
    at.run()
    assert not at.exception, at.exception
    return at


def test_page_renders_numbers_tables_and_escapes_names():
    at = _run(_result())
    assert [m.label for m in at.metric][:2] == ["k-anonymity", "Unique records"]
    assert at.metric[0].value == "k = 3"
    from dashboards._state import md_escape

    assert md_escape(EVIL) in at.caption[0].value
    frames = [d.value for d in at.dataframe]
    assert any("rows with personal data" in f.columns for f in frames)
    assert any(EVIL in f.columns for f in frames)  # the smallest classes, by QI value
    assert "[PHONE]" in " ".join(c.value for c in at.code)


def test_page_without_a_scan_says_how_to_run_it():
    at = _run(make_result())
    assert "rai-audit scan" in at.info[0].value
