"""The error analysis on the census sample for real: runner, counts vs pandas, report, gates."""

import numpy as np
import pandas as pd
import pytest

from audit.config import load_config
from audit.error_analysis import ErrorAnalysisConfig
from audit.models import predict_proba
from audit.policy import GateConfig
from audit.result import result_from_json, result_to_json
from audit.runner import run_audit
from reports import render_report

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ea_run(tmp_path_factory):
    config = load_config("sample_models/census_income/audit.yaml")
    audits = config.audits.model_copy(update={
        "privacy": config.audits.privacy.model_copy(update={"enabled": False}),
        "fairness": config.audits.fairness.model_copy(update={"enabled": False}),
        "explainability": config.audits.explainability.model_copy(update={"enabled": False}),
        "error_analysis": ErrorAnalysisConfig(enabled=True)})
    policy = config.policy.model_copy(update={"gates": [GateConfig(
        metric="error_analysis.worst_cohort_error_rate", max=0.5, severity="warn")]})
    config = config.model_copy(update={
        "training": config.training.model_copy(update={"epochs": 2}), "audits": audits,
        "policy": policy})
    return run_audit(config, output_dir=tmp_path_factory.mktemp("ea"), progress=False)


def test_census_cohorts_match_pandas_on_the_test_split(ea_run):
    section = ea_run.result.error_analysis
    test = ea_run.dataset.test
    pred = (predict_proba(ea_run.training.model, test.X) >= 0.5).astype(int)
    assert section.n_rows == len(test) == 16281
    assert section.settings.features == tuple(test.raw.columns)
    a = section.analysis("error_rate")
    assert a.overall_value == pytest.approx(np.mean(pred != test.y), abs=1e-12)
    frame = test.raw
    for cohort in a.cohorts[:10] + a.leaves:
        mask = np.ones(len(frame), dtype=bool)
        for cond in cohort.conditions:
            mask &= _evaluate(frame[cond.feature], cond.text)
        assert mask.sum() == cohort.size, cohort.text
        assert np.mean(pred[mask] != test.y[mask]) == pytest.approx(cohort.value, abs=1e-12)
    top = a.cohorts[0]
    assert top.significant and top.value > 2 * a.overall_value
    assert top.interval.low <= top.value <= top.interval.high
    assert section.timings["total_seconds"] < 5.0  # the issue's budget for the demo
    gate = ea_run.result.policy.gates[0]
    assert gate.metric == "error_analysis.worst_cohort_error_rate" and gate.value >= top.value


def _evaluate(column: pd.Series, text: str) -> np.ndarray:
    """Re-evaluate a condition's text on the raw column (an independent reading of it)."""
    name = column.name
    if text.startswith(f"{name} = "):
        return (column.astype(str) == text[len(name) + 3:]).to_numpy()
    if text.startswith(f"{name} ≠ "):
        return (column.astype(str) != text[len(name) + 3:]).to_numpy()
    if text.startswith(f"{name} not in {{"):
        values = text[len(name) + 9:-1].split(", ")
        return (~column.astype(str).isin(values)).to_numpy()
    x = column.to_numpy(dtype=float)
    if text.startswith(f"{name} <= "):
        return x <= float(text.split(" <= ")[1])
    if text.startswith(f"{name} > "):
        return x > float(text.split(" > ")[1])
    low, high = text.split(f" < {name} <= ")
    return (x > float(low)) & (x <= float(high))


def test_census_result_round_trip_and_report(ea_run):
    result = ea_run.result
    assert result_from_json(result_to_json(result)) == result
    html = render_report(result)
    assert 'id="error_analysis"' in html and "error tree" in html
    assert result.error_analysis.analyses[0].cohorts[0].text.split(" and ")[0] in html
