"""The command line: help for every command, exit code 2 with a message on bad input."""

import subprocess
import sys

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
