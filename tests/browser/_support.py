"""Headless Chromium and a live dashboard for the browser tests (shared with tests/regression).

Chromium is Debian's ``chromium`` package (``make browser-deps``), driven by Playwright with no
downloaded browser: set ``RAI_AUDIT_CHROMIUM`` to use another binary. Tests are skipped, with the
reason, when Playwright or Chromium is missing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("RAI_AUDIT_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking switches Chromium keeps trying to reach Google services.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-default-apps", "--disable-extensions", "--mute-audio"]
VIEWPORT = {"width": 1400, "height": 1000}


_BROWSER: dict[str, object] = {}  # one Playwright and one Chromium per process, shared


@pytest.fixture(scope="session", name="chromium")
def chromium_fixture():
    """One headless Chromium per session.

    Imported as a fixture by tests/browser/conftest.py and by browser tests elsewhere; those
    are separate fixture definitions, so they share one reference-counted browser (Playwright's
    sync API cannot be started twice in one thread).
    """
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the 'dev' extra (playwright)")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"no Chromium at {CHROMIUM}: run `make browser-deps` or set RAI_AUDIT_CHROMIUM")
    if not _BROWSER:
        playwright = sync_api.sync_playwright().start()
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                 headless=True, timeout=60_000)
        except BaseException:
            playwright.stop()
            raise
        _BROWSER.update(playwright=playwright, browser=browser, users=0)
    _BROWSER["users"] += 1
    try:
        yield _BROWSER["browser"]
    finally:
        _BROWSER["users"] -= 1
        if _BROWSER["users"] == 0:
            try:
                _BROWSER["browser"].close()
            finally:
                _BROWSER["playwright"].stop()
                _BROWSER.clear()


@dataclass
class PageLog:
    """What a page did: console messages, uncaught errors, requests and dialogs."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def watch(page) -> PageLog:
    """Record everything worth asserting about ``page``; dismiss any dialog (and log it)."""
    log = PageLog()
    page.on("console", lambda m: log.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: log.page_errors.append(str(exc)))
    page.on("request", lambda r: log.requests.append(r.url))
    page.on("requestfailed", lambda r: log.failed_requests.append(f"{r.url} {r.failure}"))

    def on_dialog(dialog):
        log.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return log


@contextlib.contextmanager
def browser_page(browser, **context_options) -> Iterator[tuple[object, PageLog]]:
    """A fresh context and page (no shared storage between tests), closed afterwards."""
    context = browser.new_context(viewport=VIEWPORT, **context_options)
    try:
        page = context.new_page()
        yield page, watch(page)
    finally:
        context.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Dashboard:
    """A running ``streamlit run dashboards/app.py`` and when it was started."""

    process: subprocess.Popen
    url: str
    started: float  # time.perf_counter() just before the process was spawned
    log_path: Path
    first_paint_s: float | None = None  # set by the fixture that measures it

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def _stop(process: subprocess.Popen) -> None:
    """Stop the server and anything it started (its own process group), whatever happens."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@contextlib.contextmanager
def run_dashboard(results: Path | None, log_dir: Path, timeout: float = 60) -> Iterator[Dashboard]:
    """Start the dashboard on a free port with ``-- --results results``; always stop it."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(REPO / "dashboards" / "app.py"),
               "--server.headless", "true", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]
    if results is not None:
        command += ["--", "--results", str(results)]
    env = {k: v for k, v in os.environ.items() if k != "RAI_AUDIT_RESULTS"}
    log_path = log_dir / f"streamlit-{port}.log"
    with open(log_path, "wb") as log_file:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log_file,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    dashboard = Dashboard(process, f"http://127.0.0.1:{port}/", started, log_path)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {process.returncode}:\n{dashboard.log()}")
            try:
                with urllib.request.urlopen(f"{dashboard.url}_stcore/health", timeout=1) as reply:
                    if reply.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit not healthy after {timeout} s:\n{dashboard.log()}")
            time.sleep(0.05)
        yield dashboard
    finally:
        _stop(process)


def external_requests(urls: list[str], allowed_prefix: str) -> list[str]:
    """Requests that left the page's own origin (data: and blob: URLs are not requests)."""
    return [u for u in urls if not u.startswith((allowed_prefix, "data:", "blob:"))]


def wait_for_app(page, timeout: float = 30.0, quiet: float = 0.4) -> None:
    """Wait until Streamlit has run the script for this page and the page stopped changing.

    The script-state attribute alone is not enough: right after ``goto`` it reads
    ``notRunning`` before the first run has even started. So wait for a page heading, then for
    ``quiet`` seconds with the script not running, no stale elements, and the same text.
    """
    page.get_by_test_id("stMain").get_by_test_id("stHeading").first.wait_for(timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    previous, since = None, time.monotonic()
    while time.monotonic() < deadline:
        snapshot = page.evaluate("""() => {
          const app = document.querySelector("[data-testid='stApp']");
          return [app && app.getAttribute('data-test-script-state'),
                  document.querySelectorAll("[data-stale='true']").length,
                  app ? app.innerText : ''];
        }""")
        if snapshot != previous:
            previous, since = snapshot, time.monotonic()
        elif snapshot[0] == "notRunning" and snapshot[1] == 0 and time.monotonic() - since >= quiet:
            return
        time.sleep(0.1)
    raise TimeoutError(f"the dashboard did not settle within {timeout} s (state {previous[:2]})")


#: The payloads of issue 7, plus ones that set ``window.__xss`` so that execution is detectable
#: even where a dialog would not fire.
XSS_NAMES = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "</script>")
XSS_FLAGS = ("<script>window.__xss=1</script>", '"><img src=x onerror="window.__xss=2">',
             "</script><script>window.__xss=3</script>")


def evil_result(result):
    """``result`` with its run name, sensitive feature names, feature names and card text
    replaced by script-injection payloads."""
    from dataclasses import replace

    meta = result.metadata
    names = XSS_NAMES + XSS_FLAGS
    data = replace(meta.data, sensitive_features=names,
                   features=(*names, *meta.data.features), positive_label=XSS_NAMES[1])
    card = replace(meta.card, intended_use=XSS_NAMES[0], out_of_scope_use=XSS_NAMES[1],
                   limitations=XSS_NAMES[2], owners=XSS_FLAGS[0],
                   ethical_considerations=XSS_FLAGS[1])
    return replace(result, metadata=replace(meta, run_name=XSS_NAMES[0] + " " + XSS_FLAGS[2],
                                            data=data, card=card))


#: JavaScript: elements that an injection would have created (event-handler attributes,
#: the payload's <img>, the global a payload script would set).
INJECTED_ELEMENTS_JS = """() => {
  const handlers = [...document.querySelectorAll('*')].filter(
      el => [...el.attributes].some(a => a.name.toLowerCase().startsWith('on')));
  return {
    handlers: handlers.map(el => el.outerHTML.slice(0, 120)),
    imgX: document.querySelectorAll('img[src="x"]').length,
    xss: window.__xss === undefined ? null : String(window.__xss),
  };
}"""
