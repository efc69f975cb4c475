"""The whole scan: census numbers, the result schema, report, policy metrics, config, CLI, runner."""

from __future__ import annotations

import json
import time

import pandas as pd
import pytest
from typer.testing import CliRunner

from audit.cli import app
from audit.config import parse_config
from audit.data_privacy import ADULT_QUASI_IDENTIFIERS, default_quasi_identifiers, scan_table
from audit.result import DataPrivacySection, result_from_json, result_to_json
from tests.unit.data_privacy.conftest import QIS
from tests.unit.test_result_schema import make_result


@pytest.fixture(scope="module")
def census_scan(census):
    tick = time.perf_counter()
    section = scan_table(census, QIS, sensitive="income", k_target=5, source="census")
    return section, time.perf_counter() - tick


def test_census_scan(census_scan):
    section, seconds = census_scan
    assert tuple(QIS) == ADULT_QUASI_IDENTIFIERS
    a = section.anonymity
    assert (section.n_rows, a.k, a.unique_rows, a.l_distinct) == (48_842, 1, 20_593, 1)
    roles = {c.column: c.role for c in section.columns}
    assert all(roles[q] == "quasi-identifier" for q in QIS)
    assert roles["income"] == "sensitive"
    assert roles["fnlwgt"] == "candidate"   # a census weight, yet nearly unique with the QIs
    assert roles["education-num"] == "other"  # same information as education
    # leave-one-out: dropping any QI makes fewer rows unique
    assert all(c.unique_share_without < a.unique_share for c in section.columns if c.role == "quasi-identifier")
    assert section.combinations[0].columns == tuple(QIS)
    assert section.generalisation.reached and section.generalisation.k >= 5
    assert any("unique on the 8 quasi-identifiers" in n for n in section.notes)
    assert seconds < 60  # the 5 s target is measured by benchmarks/bench_data_scan.py


def test_default_quasi_identifiers_skip_ids_and_constant_columns():
    frame = pd.DataFrame({"id": range(200), "c": ["x"] * 200, "g": ["a", "b"] * 100, "y": [0, 1] * 100})
    assert default_quasi_identifiers(frame, exclude=["y"]) == ["g"]


def test_section_round_trips_and_renders(census_scan):
    section, _ = census_scan
    result = make_result().with_section("data_privacy", section)
    again = result_from_json(result_to_json(result))
    assert again.data_privacy == section
    assert result_to_json(again) == result_to_json(result)
    from reports import render_report

    html = render_report(again)
    assert 'id="data_privacy"' in html and 'href="#data_privacy"' in html
    assert "k = 1" in html and "Generalisation reaching k = 5" in html
    assert "The table is 1-anonymous" in html
    empty = render_report(make_result())
    assert "data privacy scan (quasi-identifiers" in empty


def test_user_strings_are_escaped_in_the_report():
    evil = "<script>alert(1)</script>"
    frame = pd.DataFrame({evil: ["a", "b", "a", "c"] * 3, "s": [evil, "x"] * 6,
                          "note": [f"{evil} mail me at a@b.org", "x", "y", "z"] * 3})
    section = scan_table(frame, [evil], sensitive="s", k_target=2, text_columns=["note"],
                         source=evil)
    from reports import render_report

    html = render_report(make_result().with_section("data_privacy", section))
    assert evil not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_policy_metrics(census_scan):
    from audit.policy import resolve_metric

    section, _ = census_scan
    result = make_result().with_section("data_privacy", section)
    assert resolve_metric(result, "data_privacy.k_anonymity").value == 1.0
    assert resolve_metric(result, "data_privacy.unique_share").value == pytest.approx(20_593 / 48_842)
    assert resolve_metric(result, "data_privacy.l_diversity").value == 1.0
    assert resolve_metric(result, "data_privacy.generalisation_ncp").value == section.generalisation.ncp
    assert resolve_metric(result, "data_privacy.text_pii_rows") is None
    assert resolve_metric(make_result(), "data_privacy.k_anonymity") is None


def test_config_block():
    cfg = parse_config({"audits": {"data_privacy": {"enabled": True, "k_target": 10,
                                                     "quasi_identifiers": ["age", "sex"]}}})
    assert cfg.audits.data_privacy.k_target == 10
    from audit.errors import ConfigError

    with pytest.raises(ConfigError, match="k_targt"):
        parse_config({"audits": {"data_privacy": {"k_targt": 3}}})


def test_runner_scans_before_training(monkeypatch):
    """The scan needs no model: the runner calls it before training starts."""
    import audit.runner as runner
    from audit.data_privacy import scan_for_config

    cfg = parse_config({"audits": {"data_privacy": {"enabled": True, "generalise": False},
                                   "privacy": {"enabled": False}, "fairness": {"enabled": False},
                                   "explainability": {"enabled": False}}})
    section = scan_for_config(cfg)
    assert section.anonymity.quasi_identifiers == ADULT_QUASI_IDENTIFIERS
    assert section.n_rows == 48_842 and section.anonymity.sensitive == "income"

    class Stop(Exception):
        pass

    calls = []
    import audit.data_privacy._audit as dp
    import audit.pipelines

    monkeypatch.setattr(dp, "scan_for_config", lambda c, features=None: calls.append("scan") or section)

    def no_training(*args, **kwargs):
        calls.append("fit")
        raise Stop

    monkeypatch.setattr(audit.pipelines.TabularPipeline, "fit", no_training)
    with pytest.raises(Stop):
        runner.run_audit(cfg, progress=False)
    assert calls == ["scan", "fit"]


def test_cli_scan_file_with_text_and_outputs(tmp_path):
    source = tmp_path / "people.csv"
    pd.DataFrame({"zip": ["94103", "94103", "10001", "10001", "60601"],
                  "age": [34, 36, 51, 52, 29], "note": ["call 415-555-0132", "ok", "x@y.org", "ok", "ok"],
                  "y": [0, 1, 0, 1, 1]}).to_csv(source, index=False)
    before = source.read_bytes()
    out = CliRunner().invoke(app, [
        "scan", str(source), "--qi", "zip", "--qi", "age", "--sensitive", "y", "--k", "2",
        "--max-suppression", "0.2", "--text-column", "note",
        "--redact-to", str(tmp_path / "clean.csv"), "--generalise-to", str(tmp_path / "k2.csv"),
        "--json", str(tmp_path / "scan.json")])
    assert out.exit_code == 0, out.output
    assert "5 of 5 rows (100.0%) are unique" in out.output
    assert source.read_bytes() == before
    assert pd.read_csv(tmp_path / "clean.csv")["note"].tolist() == ["call [PHONE]", "ok", "[EMAIL]", "ok", "ok"]
    k2 = pd.read_csv(tmp_path / "k2.csv", dtype=str)
    assert k2.groupby(["zip", "age"]).size().min() >= 2
    data = json.loads((tmp_path / "scan.json").read_text())
    assert data["text"][0]["rows_with_pii"] == 2
    from pydantic import TypeAdapter

    assert TypeAdapter(DataPrivacySection).validate_json((tmp_path / "scan.json").read_text()).n_rows == 5


def test_cli_bad_input_exits_2(tmp_path):
    source = tmp_path / "a.csv"
    source.write_text("note,age\nhi,31\nho,33\n")
    runner = CliRunner()
    out = runner.invoke(app, ["scan", str(source), "--qi", "agee"])
    assert out.exit_code == 2 and "Did you mean 'age'?" in out.output
    out = runner.invoke(app, ["scan", str(source), "--qi", "age", "--k", "3"])
    assert out.exit_code == 2 and "k_target" in out.output
    out = runner.invoke(app, ["scan", str(source), "--qi", "age", "--text-column", "note",
                              "--redact-to", str(source), "--overwrite"])
    assert out.exit_code == 2 and "the input file itself" in out.output
    assert source.read_text() == "note,age\nhi,31\nho,33\n"


def test_headline_reports_the_scan(census_scan):
    from audit.runner import headline

    section, _ = census_scan
    lines = headline(make_result().with_section("data_privacy", section))
    line = next(x for x in lines if x.startswith("data privacy:"))
    assert "k = 1 on 8 quasi-identifiers, 42.2% of rows unique; k = 5 reached" in line
