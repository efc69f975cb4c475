"""Regression (issue 16): ``rai-audit dashboard PATH`` with no terminal (a CI job, a process
manager, ``nohup``) exited 255 at Streamlit's first-run e-mail prompt. Without ``--headless``
it now runs headless when stdin is not a TTY, and serves."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.browser._support import REPO, free_port
from tests.regression.test_dashboard_cli_signal import healthy

pytestmark = pytest.mark.slow


@pytest.mark.skipif(os.name != "posix", reason="process groups are POSIX")
def test_the_dashboard_serves_with_stdin_not_a_terminal(tmp_path):
    pytest.importorskip("streamlit")
    from audit.result import save_result
    from tests.unit.test_result_schema import make_result

    result = save_result(make_result(), tmp_path / "result.json")
    port = free_port()
    # a fresh HOME: no ~/.streamlit/credentials.toml, so a non-headless Streamlit would prompt
    env = {**os.environ, "HOME": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "audit.cli", "dashboard", str(result), "--port", str(port)],
        cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not healthy(port):
            code = process.poll()
            assert code is None, (code, process.stdout.read().decode()[-2000:])
            assert time.monotonic() < deadline, "the dashboard never became healthy"
            time.sleep(0.2)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        process.stdout.close()
