"""A prediction log's result in the report and the dashboard: trend charts and the latest
window, score-metric error bounds, the log described in place of a model, escaped user data."""

import json
import re

import numpy as np
import pandas as pd

from audit.policy import available_metrics
from audit.predictions import audit_predictions
from audit.result import load_result, save_result
from reports import render_report
from tests._apptest import open_dashboard_page
from tests.unit.predictions._log import same

EVIL = "<script>alert(1)</script>"


def evil_log(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    group = rng.choice(np.array([EVIL, "b"]), n)
    score = np.clip(rng.normal(np.where(group == "b", 0.6, 0.4), 0.2), 0, 1)
    return pd.DataFrame({"y": (rng.random(n) < score).astype(int), "p": score, "g": group,
                         "t": pd.Timestamp("2024-03-01") + pd.to_timedelta(
                             rng.integers(0, 90, n), unit="D")})


def test_report_shows_the_log_and_its_trend_escaped():
    result = audit_predictions(evil_log(), label="y", score="p", sensitive_features=["g"],
                               timestamp="t", window="month",
                               config={"fairness": {"bootstrap_replicates": 100}})
    html = render_report(result)
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "prediction log read by pandas" in html and "Over time (per month)" in html
    specs = [json.loads(b) for b in re.findall(
        r'<script type="application/json" class="rai-chart">(.*?)</script>', html)]
    trend = [s for s in specs if s.get("title", {}).get("text", "").endswith("per month")]
    assert len(trend) == 3  # two disparities and the selection rates
    months = [v["window"] for v in trend[0]["data"]["values"]]
    assert months == ["2024-03", "2024-04", "2024-05"]
    # slices over the sensitive feature; no error tree without rows
    assert "No error tree for this error rate" in html
    assert "Mitigation retrains a model: not available on a prediction log." in html


def test_latest_window_gates_are_listed():
    names = available_metrics()
    assert "fairness.latest_window.demographic_parity_difference" in names
    assert "fairness.latest_window.four_fifths_rule" in names


def test_dashboard_fairness_page_shows_the_trend(tmp_path, monkeypatch):
    result = audit_predictions(evil_log(), label="y", score="p", sensitive_features=["g"],
                               timestamp="t", window="month",
                               config={"fairness": {"bootstrap_replicates": 100}})
    path = save_result(result, tmp_path / "result.json")
    same(load_result(path).fairness.windows, result.fairness.windows)  # exact JSON round trip
    at = open_dashboard_page(path, "fairness", monkeypatch)
    assert not at.exception
    assert "Over time (per month)" in [s.value for s in at.subheader]
    at = open_dashboard_page(path, "overview", monkeypatch)
    assert not at.exception
    assert any("read by pandas" in c.value for c in at.caption)
