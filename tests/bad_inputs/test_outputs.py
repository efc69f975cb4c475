"""All-or-nothing output folders (issue 18): a failed, full, killed or concurrent run never leaves
a folder describing two runs, never loses the previous run, and never leaves temporary files.

The disk-full test mounts a small tmpfs (needs root; skipped with the reason otherwise). The
kill tests run the real CLI in a subprocess and send SIGKILL, SIGTERM and SIGINT at moments
spread over a run.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from audit._staging import staged_output, temporary_entries
from audit.cli import app
from audit.errors import DiskFullError
from tests.bad_inputs._support import leftovers, snapshot, write_config, write_tables

REPO = Path(__file__).resolve().parents[2]


def _run(folder: Path, out: Path, *extra: str, seed: int = 0):
    return CliRunner().invoke(app, ["run", str(folder / "audit.yaml"), "--out", str(out),
                                    "--quiet", "--seed", str(seed), *extra])


@pytest.fixture
def tiny(tmp_path):
    write_tables(tmp_path)
    write_config(tmp_path)
    return tmp_path


@contextlib.contextmanager
def small_tmpfs(path: Path, size: str):
    """A tmpfs of ``size`` mounted at ``path`` (skips the test when mounting is not allowed)."""
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or 'not root'}): the "
                    "disk-full test needs `mount -t tmpfs` (root, as on CI)")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_full_disk_exits_2_names_the_folder_and_keeps_the_previous_run(tiny):
    """1.6 MB hold one run (about 0.95 MB, mostly the report) but not a second beside it: the
    second run fails after training, while writing its report, with the typed error; the first
    run's folder is byte-identical and no temporary file is left."""
    with small_tmpfs(tiny / "disk", "1600k") as disk:
        out = disk / "out"
        first = _run(tiny, out)
        assert first.exit_code == 0, first.output
        before = snapshot(out)
        second = _run(tiny, out, seed=1)
        assert second.exit_code == 2, second.output
        assert "error (DiskFullError)" in second.output
        assert str(out) in second.output and "No space left on device" in second.output
        assert "Traceback" not in second.output
        assert snapshot(out) == before
        assert leftovers(disk) == [] and temporary_entries(out) == []


def test_a_full_disk_in_the_api_is_a_typed_error(tiny):
    with small_tmpfs(tiny / "disk", "64k") as disk:
        with pytest.raises(DiskFullError, match="free some space"):
            with staged_output(disk / "out") as stage:
                (stage / "big.bin").write_bytes(b"x" * 200_000)
        assert leftovers(disk) == []


def test_a_run_that_fails_after_training_leaves_the_previous_folder_byte_identical(
        tiny, monkeypatch):
    """The technical documentation fails to render (an internal error, exit 3) after the model,
    report and card of the second run were written: the folder is still the first run's."""
    out = tiny / "out"
    assert _run(tiny, out).exit_code == 0
    before = snapshot(out)
    import reports

    def broken(result, path):
        raise RuntimeError("renderer broke")

    monkeypatch.setattr(reports, "write_technical_documentation", broken)
    failed = _run(tiny, out, seed=1)
    assert failed.exit_code == 3, failed.output
    assert "unexpected internal error (RuntimeError: renderer broke)" in failed.output
    assert "rai-audit --debug run" in failed.output and "Traceback" not in failed.output
    assert snapshot(out) == before
    assert leftovers(tiny) == []


def test_debug_shows_the_traceback(tiny, monkeypatch):
    import reports

    monkeypatch.setattr(reports, "write_technical_documentation",
                        lambda r, p: (_ for _ in ()).throw(RuntimeError("renderer broke")))
    out = CliRunner().invoke(app, ["--debug", "run", str(tiny / "audit.yaml"), "--out",
                                   str(tiny / "out"), "--quiet"])
    assert out.exit_code == 3 and "Traceback" in out.output and "renderer broke" in out.output


def test_a_second_run_replaces_the_whole_folder_and_drops_stale_entries(tiny):
    out = tiny / "out"
    assert _run(tiny, out).exit_code == 0
    (out / ".report.html.abc123.tmp").write_text("left by a run killed before issue 18")
    (out / "model" / ".model.safetensors.x.tmp").write_text("same")
    assert _run(tiny, out, seed=1).exit_code == 0
    assert json.loads((out / "result.json").read_text())["metadata"]["seed"] == 1
    assert leftovers(tiny) == []


def test_files_of_the_user_in_the_output_folder_are_kept(tiny):
    out = tiny / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert _run(tiny, out).exit_code == 0
    assert _run(tiny, out, seed=1).exit_code == 0
    assert (out / "notes.txt").read_text() == "mine"
    assert json.loads((out / "result.json").read_text())["metadata"]["seed"] == 1
    assert leftovers(tiny) == []


# ---- subprocess runs: signals and concurrency ------------------------------------------------

def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # so Python installs its KeyboardInterrupt


class Spawned:
    """``rai-audit run`` in a subprocess; its output goes to files beside the folder."""

    def __init__(self, folder: Path, out: Path, seed: int) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.log = folder.parent / f"{folder.name}-run-{seed}-{time.monotonic_ns()}.log"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "audit.cli", "run", str(folder / "audit.yaml"), "--out",
                 str(out), "--quiet", "--seed", str(seed)], cwd=folder, env=env,
                stdout=log, stderr=subprocess.STDOUT, preexec_fn=_default_sigint)

    def wait(self, timeout: float) -> int:
        return self.process.wait(timeout=timeout)

    def poll(self):
        return self.process.poll()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _spawn(folder: Path, out: Path, seed: int = 0) -> Spawned:
    return Spawned(folder, out, seed)


def _consistent(out: Path) -> int:
    """The seed of the one run the folder describes. Its result, model and report agree: the
    saved model and preprocessing give the test accuracy the result states, and the report
    names the same seed."""
    import re

    import numpy as np

    from audit.data import TabularPreprocessor
    from audit.data._read import read_table
    from audit.models import load_model, predict_proba
    from audit.result import load_result

    result = load_result(out / "result.json")
    assert result.content_check == "verified"
    manifest = json.loads((out / ".rai-audit-manifest.json").read_text())["entries"]
    assert sorted(manifest) == sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    model, spec = load_model(out / "model")
    test = read_table(out.parent / "test.csv")
    X = TabularPreprocessor.from_dict(spec["preprocessing"]).transform(test)
    accuracy = float(np.mean((predict_proba(model, X) >= 0.5) == (test["income"] == ">50K")))
    assert accuracy == pytest.approx(result.quality.accuracy, abs=1e-12)
    assert re.search(rf"seed {result.metadata.seed}\b", (out / "report.html").read_text())
    return result.metadata.seed


@pytest.fixture
def longer(tmp_path):
    """The tiny tables with 40 epochs, so a run lasts several seconds past its imports (with 8, a
    quiet machine finished runs before the signal or the kill landed inside them)."""
    write_tables(tmp_path)
    write_config(tmp_path, {"training": {"epochs": 40, "batch_size": 16}})
    return tmp_path


@pytest.mark.slow
@pytest.mark.parametrize("sig,code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_sigterm_and_sigint_leave_the_previous_run_and_no_temporary_file(longer, sig, code):
    out = longer / "out"
    first = _spawn(longer, out)
    assert first.wait(timeout=120) == 0, first.output()
    before = snapshot(out)
    second = _spawn(longer, out, seed=1)
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".out.rai-audit-staging-") for p in longer.iterdir()):
        assert second.poll() is None and time.monotonic() < deadline, second.output()
        time.sleep(0.05)
    time.sleep(0.3)  # inside the run (loading or training)
    second.process.send_signal(sig)
    assert second.wait(timeout=60) == code, second.output()
    assert "Traceback" not in second.output()
    assert snapshot(out) == before
    assert leftovers(longer) == []


@pytest.mark.slow
def test_a_kill_at_any_moment_leaves_one_whole_run_and_the_next_run_cleans_up(longer):
    """SIGKILL at moments spread over a run (imports, loading, training, writing, swapping):
    the folder always describes exactly one run (the old or the new), and the next run removes
    whatever the killed one left (staging folder, lock file)."""
    out = longer / "out"
    first = _spawn(longer, out)
    assert first.wait(timeout=120) == 0
    start = time.monotonic()
    probe = _spawn(longer, out, seed=99)
    assert probe.wait(timeout=120) == 0
    duration = time.monotonic() - start
    seen = set()
    for i, fraction in enumerate((0.35, 0.6, 0.8, 0.95)):
        victim = _spawn(longer, out, seed=10 + i)
        time.sleep(duration * fraction)
        victim.process.kill()
        victim.wait(timeout=30)
        staged = [p.name for p in longer.iterdir() if "rai-audit-staging" in p.name]
        seen.add("staging present" if staged else "no staging")
        assert _consistent(out) in (99, 10 + i, *range(10, 10 + i))
    final = _spawn(longer, out, seed=7)
    assert final.wait(timeout=120) == 0, final.output()
    assert _consistent(out) == 7
    assert leftovers(longer) == []
    assert "staging present" in seen  # at least one kill landed inside the run


@pytest.mark.slow
def test_two_runs_into_one_folder_never_mix(longer):
    """Started together: one writes the folder, the other refuses with the typed lock error
    (or both succeed one after the other); the folder is always one run's, never a mix."""
    out = longer / "out"
    outcomes = []
    for trial in range(2):
        a, b = _spawn(longer, out, seed=20 + trial), _spawn(longer, out, seed=30 + trial)
        codes = (a.wait(timeout=180), b.wait(timeout=180))
        errors = a.output() + b.output()
        assert set(codes) <= {0, 2}, errors
        assert 0 in codes, errors
        if 2 in codes:
            assert "error (OutputLockedError)" in errors
        seed = _consistent(out)
        winners = [s for s, c in zip((20 + trial, 30 + trial), codes) if c == 0]
        assert seed in winners
        outcomes.append(codes)
        assert leftovers(longer) == []
    print("concurrent exit codes per trial:", outcomes)
