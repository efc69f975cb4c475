"""Regression: ``rai-audit dashboard`` ran streamlit with ``subprocess.call``; a SIGTERM to the
command (a process manager, ``kill PID``, a CI timeout) ended the command but left the streamlit
server running and holding the port. The command now execs streamlit (POSIX), so the signal
reaches the server. Also: a bad result file is refused before any server starts."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.browser._support import REPO, free_port

pytestmark = pytest.mark.slow


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as reply:
            return reply.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@pytest.mark.skipif(os.name != "posix", reason="signals and exec are POSIX")
def test_sigterm_to_the_command_stops_the_server(tmp_path):
    pytest.importorskip("streamlit")
    from audit.result import save_result
    from tests.unit.test_result_schema import make_result

    result = save_result(make_result(), tmp_path / "result.json")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "audit.cli", "dashboard", str(result), "--headless", "--port", str(port)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not healthy(port):
            assert process.poll() is None, "the dashboard command exited early"
            assert time.monotonic() < deadline, "the dashboard never became healthy"
            time.sleep(0.1)
        os.kill(process.pid, signal.SIGTERM)  # the command only, as a process manager would
        process.wait(timeout=30)
        deadline = time.monotonic() + 15
        while healthy(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not healthy(port), "the streamlit server outlived the rai-audit command"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)


def test_bad_result_file_is_refused_before_starting(tmp_path):
    pytest.importorskip("streamlit")
    from typer.testing import CliRunner

    from audit.cli import app

    bad = tmp_path / "result.json"
    bad.write_text('{"schema_version": "9.0"}')
    outcome = CliRunner().invoke(app, ["dashboard", str(bad), "--headless"])
    assert outcome.exit_code == 2
    assert "upgrade rai-audit" in outcome.output and str(bad) in outcome.output
