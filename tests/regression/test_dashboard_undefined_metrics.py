"""Regression: the Overview printed an undefined metric (NaN accuracy or ROC AUC, e.g. a test
split with one class) as "nan%" / "nan"; it now says "undefined", as the HTML report does."""

from __future__ import annotations

import dataclasses

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from audit.result import save_result  # noqa: E402
from dashboards._state import fmt_num, fmt_pct  # noqa: E402
from tests.unit.test_dashboard_apptest import APP  # noqa: E402
from tests.unit.test_result_schema import make_result  # noqa: E402


def test_formatters():
    assert fmt_pct(float("nan")) == "undefined" and fmt_num(float("nan")) == "undefined"
    assert fmt_pct(0.8555) == "85.55%" and fmt_num(0.91234) == "0.912"


def test_overview_says_undefined(tmp_path, monkeypatch):
    result = make_result()
    result = dataclasses.replace(result, quality=dataclasses.replace(
        result.quality, accuracy=float("nan"), roc_auc=float("nan")))
    save_result(result, tmp_path / "result.json")
    monkeypatch.setenv("RAI_AUDIT_RESULTS", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Test accuracy"] == "undefined" and metrics["ROC AUC"] == "undefined"
    assert not any("nan" in value.lower() for value in metrics.values())
