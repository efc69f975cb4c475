"""The command line: help for every command, exit code 2 with a message on bad input."""

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from audit.cli import app

runner = CliRunner()
COMMANDS = ["run", "report", "validate", "dashboard", "version"]


def test_top_level_help_lists_commands():
    out = runner.invoke(app, ["--help"])
    assert out.exit_code == 0
    for command in COMMANDS:
        assert command in out.output


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_help(command):
    out = runner.invoke(app, [command, "--help"])
    assert out.exit_code == 0 and "Usage" in out.output


def test_misspelled_config_key_exits_2_with_message(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("training:\n  epocs: 3\n")
    out = runner.invoke(app, ["run", str(cfg)])
    assert out.exit_code == 2
    assert "Did you mean 'epochs'?" in out.output
    assert "Traceback" not in out.output


def test_unwritable_output_exits_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = runner.invoke(app, ["run", "sample_models/census_income/audit.yaml",
                              "--out", str(blocker / "out")])
    assert out.exit_code == 2 and "output directory" in out.output


def test_report_of_malformed_result_exits_2(tmp_path):
    bad = tmp_path / "result.json"
    bad.write_text("{\"schema_version\": \"1.0\", \"metad")
    out = runner.invoke(app, ["report", str(bad), "--out", str(tmp_path / "r.html")])
    assert out.exit_code == 2 and "truncated" in out.output
    assert not (tmp_path / "r.html").exists()


def test_validate_prints_defaults():
    out = runner.invoke(app, ["validate", "sample_models/census_income/audit.yaml"])
    assert out.exit_code == 0 and '"epochs": 10' in out.output


def test_import_audit_is_light():
    code = ("import sys, audit, audit.result, audit.config, audit.training, audit.data; "
            "print(sorted(m for m in ('streamlit', 'jinja2', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_validate_refuses_audits_a_text_config_cannot_run(tmp_path):
    """A text config enabling the counterfactual audit (tabular only) is refused (exit 2), naming
    the key and the modalities it supports, instead of silently dropping it; the privacy audit,
    which runs on text since issue 19, is not refused."""
    import yaml
    from typer.testing import CliRunner

    from audit.cli import app

    data = yaml.safe_load(Path("sample_models/text_boolq/audit_pooling.yaml").read_text())
    data["audits"]["privacy"] = {"enabled": True}
    data["audits"]["counterfactuals"] = {"enabled": True}
    data["data"]["train_path"] = str(Path("sample_models/text_boolq").resolve() / data["data"]["train_path"])
    data["data"]["test_path"] = str(Path("sample_models/text_boolq").resolve() / data["data"]["test_path"])
    path = tmp_path / "text.yaml"
    path.write_text(yaml.safe_dump(data))
    out = CliRunner().invoke(app, ["validate", str(path)])
    assert out.exit_code == 2, out.output
    assert "audits.counterfactuals.enabled" in out.output
    assert "audits.privacy.enabled" not in out.output
    assert "runs on text data" in out.output and "supports: tabular" in out.output
    ok = CliRunner().invoke(app, ["validate", "sample_models/text_boolq/audit_pooling.yaml"])
    assert ok.exit_code == 0, ok.output
