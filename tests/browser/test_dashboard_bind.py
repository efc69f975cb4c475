"""`rai-audit dashboard` serves this machine only unless told otherwise (issue 18).

Started through the CLI as a user would, the server must answer Chromium on 127.0.0.1 and
refuse it on the machine's other address (found with ``hostname -I``; without one, a dummy
interface is created as root, else the test is skipped with the reason). The control case,
``--address 0.0.0.0``, is reachable on that address: the check can tell the difference.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.browser._support import REPO, browser_page, free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DUMMY = "raiaudit0"
DUMMY_ADDRESS = "198.51.100.77"  # TEST-NET-2: never routed anywhere


def _other_address() -> str | None:
    """A non-loopback IPv4 address of this machine, or None."""
    try:
        words = subprocess.run(["hostname", "-I"], capture_output=True, text=True,
                               timeout=10).stdout.split()
    except (OSError, subprocess.TimeoutExpired):
        words = []
    for word in words:
        with contextlib.suppress(ValueError):
            address = ipaddress.ip_address(word)
            if address.version == 4 and not address.is_loopback:
                return word
    return None


@pytest.fixture(scope="module")
def other_address():
    found = _other_address()
    if found is not None:
        yield found
        return
    made = subprocess.run(["ip", "link", "add", DUMMY, "type", "dummy"], capture_output=True)
    if made.returncode != 0:
        pytest.skip("no non-loopback address and no permission to create a dummy interface")
    try:
        subprocess.run(["ip", "addr", "add", f"{DUMMY_ADDRESS}/32", "dev", DUMMY], check=True)
        subprocess.run(["ip", "link", "set", DUMMY, "up"], check=True)
        yield DUMMY_ADDRESS
    finally:
        subprocess.run(["ip", "link", "delete", DUMMY], check=False)


@contextlib.contextmanager
def cli_dashboard(result: Path, log: Path, *extra: str):
    """``rai-audit dashboard RESULT --headless --port P [extra]`` (the CLI execs streamlit)."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "audit.cli", "dashboard", str(result), "--headless", "--port",
             str(port), *extra], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _listens_on(address: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex((address, port)) == 0


@pytest.fixture(scope="module")
def saved_result(tmp_path_factory):
    from audit.result import save_result
    from tests.unit.test_result_schema import make_result

    return save_result(make_result(), tmp_path_factory.mktemp("bind") / "result.json")


def test_the_dashboard_is_not_reachable_on_another_address_by_default(
        chromium, saved_result, other_address, tmp_path):
    with cli_dashboard(saved_result, tmp_path / "default.log") as port:
        with browser_page(chromium) as (page, log):
            page.goto(f"http://127.0.0.1:{port}/", timeout=60_000)
            page.get_by_test_id("stMetric").filter(has_text="Test accuracy").wait_for(
                timeout=60_000)
            with pytest.raises(Exception, match="ERR_CONNECTION_REFUSED|ERR_ADDRESS_UNREACHABLE"):
                page.goto(f"http://{other_address}:{port}/", timeout=15_000)
        assert not _listens_on(other_address, port)


def test_an_explicit_address_serves_other_machines(chromium, saved_result, other_address,
                                                   tmp_path):
    """The control: asked for 0.0.0.0, the same check reaches it on the other address."""
    with cli_dashboard(saved_result, tmp_path / "open.log", "--address", "0.0.0.0") as port:
        assert _listens_on(other_address, port)
        with browser_page(chromium) as (page, log):
            page.goto(f"http://{other_address}:{port}/", timeout=60_000)
            page.get_by_test_id("stMetric").filter(has_text="Test accuracy").wait_for(
                timeout=60_000)
