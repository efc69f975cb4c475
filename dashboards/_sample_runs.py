"""Running ``rai-audit run`` in a background process for the *Run sample audits* page.

One run at a time per dashboard server: :func:`sample_runner` is a ``st.cache_resource``, so
every session sees the same :class:`SampleRunner`, starting a run stops the one in progress,
and the process is stopped when the server exits. Output goes to files (not pipes), so a
chatty run can never block on a full pipe.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

REPO = Path(__file__).resolve().parents[1]

#: The sample configs offered, with a rough guess of their duration on a laptop CPU in seconds
#: (the progress bar fills over it; it is not a measurement).
SAMPLE_CONFIGS: dict[Path, float] = {
    REPO / "sample_models" / "census_income" / "audit.yaml": 120.0,
    REPO / "sample_models" / "census_income" / "audit_dp.yaml": 300.0,
}
DEFAULT_ESTIMATE_S = 120.0
#: More configs the page may run, set by whoever starts the server (paths joined by os.pathsep);
#: a visitor can only pick among these and the shipped ones, never type a path.
EXTRA_CONFIGS_ENV = "RAI_AUDIT_SAMPLE_CONFIGS"


def sample_configs() -> dict[Path, float]:
    """The configs the page offers: the shipped samples plus ``$RAI_AUDIT_SAMPLE_CONFIGS``."""
    configs = dict(SAMPLE_CONFIGS)
    for item in os.environ.get(EXTRA_CONFIGS_ENV, "").split(os.pathsep):
        if item.strip():
            configs.setdefault(Path(item.strip()).resolve(), DEFAULT_ESTIMATE_S)
    return configs
#: A run's output folder is one plain name under the dashboard's results folder.
_FOLDER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def sample_output_folder(root: Path, name: str) -> Path:
    """``root / name`` for a plain folder name; anything else (a path, ``..``, a hidden name)
    is refused, so the page can never write outside the results folder.

    Raises
    ------
    OutputPathError
    """
    from audit.errors import OutputPathError

    name = name.strip()
    if not _FOLDER_NAME.match(name) or name in (".", ".."):
        raise OutputPathError(
            "output folder name", "a plain folder name (letters, digits, '.', '_', '-'; at most "
            "64 characters)", repr(name[:80]), f"type a name such as dashboard-audit; the run is "
            f"written to {root}/NAME")
    return Path(root).resolve() / name


@dataclass
class SampleRun:
    """One ``rai-audit run CONFIG --out DIR --quiet`` process and where its output goes."""

    config: Path
    out_dir: Path
    command: list[str]
    process: subprocess.Popen
    log_dir: Path
    started: float = field(default_factory=time.monotonic)
    started_wall: float = field(default_factory=time.time)
    ended: float | None = None
    stopped: bool = False
    rescanned: bool = False  # the dashboard re-listed the results after the run ended

    def poll(self) -> int | None:
        """The exit status, or None while the process runs."""
        code = self.process.poll()
        if code is not None and self.ended is None:
            self.ended = time.monotonic()
        return code

    @property
    def elapsed(self) -> float:
        """Seconds since the start (until the end once it has ended)."""
        return (self.ended if self.ended is not None else time.monotonic()) - self.started

    @property
    def result_path(self) -> Path:
        return self.out_dir / "result.json"

    def wrote_result(self) -> bool:
        """Whether this run wrote ``result.json`` (exit 1 is also a failed policy gate)."""
        try:
            return self.result_path.stat().st_mtime >= self.started_wall - 1.0
        except OSError:
            return False

    def stdout(self) -> str:
        return _read(self.log_dir / "stdout.txt")

    def stderr_tail(self, chars: int = 4000) -> str:
        """The last ``chars`` characters of what the process wrote to stderr."""
        text = _read(self.log_dir / "stderr.txt")
        return text[-chars:]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


class SampleRunner:
    """Starts, polls and stops one audit process at a time (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current: SampleRun | None = None
        atexit.register(self.stop)

    def start(self, config: Path, out_dir: Path) -> SampleRun:
        """Stop any run in progress, then start ``rai-audit run config --out out_dir --quiet``.

        Only the configs of :func:`sample_configs` are run; anything else is a
        :class:`ValueError`, whatever the page sends.
        """
        if Path(config) not in sample_configs():
            raise ValueError(f"only the shipped sample configs can be run here, not {config}")
        with self._lock:
            self._stop_locked()
            if self.current is not None:
                shutil.rmtree(self.current.log_dir, ignore_errors=True)
            log_dir = Path(tempfile.mkdtemp(prefix="rai-audit-dashboard-run-"))
            command = [sys.executable, "-m", "audit.cli", "run", str(config), "--out", str(out_dir),
                       "--quiet"]
            with open(log_dir / "stdout.txt", "wb") as out, open(log_dir / "stderr.txt", "wb") as err:
                process = subprocess.Popen(command, cwd=REPO, stdin=subprocess.DEVNULL, stdout=out,
                                           stderr=err, start_new_session=True,
                                           env={**os.environ, "PYTHONUNBUFFERED": "1"})
            self.current = SampleRun(config=config, out_dir=out_dir, command=command,
                                     process=process, log_dir=log_dir)
            return self.current

    def stop(self) -> None:
        """Stop the run in progress, if any (its process group: the CLI and its workers)."""
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        run = self.current
        if run is None or run.poll() is not None:
            return
        run.stopped = True
        try:
            os.killpg(run.process.pid, signal.SIGTERM)
            run.process.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(run.process.pid, signal.SIGKILL)
            run.process.wait()
        run.poll()


@st.cache_resource(show_spinner=False)
def sample_runner() -> SampleRunner:
    """The dashboard server's one :class:`SampleRunner`."""
    return SampleRunner()
