"""All-or-nothing output folders: a run is written aside, then swapped in at the end.

``rai-audit run`` writes the model, ``result.json``, the report and the cards. Written in place,
a run that fails after training leaves a folder describing two runs (the new model beside the
old report), a kill leaves hidden temporary files, and two runs into one folder mix their files.
:func:`staged_output` gives the run a **staging folder** next to the output folder (same file
system), and only when the block ends without error replaces the output folder's contents:

- in **one step** when the output folder holds nothing but a previous run (the folders are
  exchanged with Linux's ``renameat2(RENAME_EXCHANGE)``, or a rename when the folder is new);
  readers see the old run or the new one, never a mix. Where the exchange is not supported, two
  renames with the old folder kept until the new one is in place (a run killed between them is
  restored on the next run);
- **entry by entry** (each entry atomic) when the folder also holds files rai-audit did not
  write (a config kept beside the outputs): those are never touched.

A failed run (exception, SIGINT, SIGTERM) removes its staging folder and leaves the output
folder byte-identical. A lock file next to the folder makes a second run into the same folder
refuse at once with :class:`~audit.errors.OutputLockedError`; the staging folders and lock
files of a run that was killed (SIGKILL, power cut) are removed by the next run. A full disk is
a :class:`~audit.errors.DiskFullError` naming the folder.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import json
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from audit._io import _UMASK, ensure_writable_dir
from audit.errors import DiskFullError, OutputLockedError, OutputPathError

#: Entries a run writes; a folder holding only these (and its manifest) is swapped whole.
KNOWN_ENTRIES = frozenset({"result.json", "report.html", "model_card.md",
                           "technical_documentation.md", "model", "student", "students"})
#: File listing what a staged run wrote (in the output folder, hidden).
MANIFEST = ".rai-audit-manifest.json"
_STAGING = ".rai-audit-staging-"
_OLD = ".rai-audit-old-"
_LOCK = ".rai-audit.lock"
_RENAME_EXCHANGE = 2
_FULL = (errno.ENOSPC, errno.EDQUOT)


def _prefix(out_dir: Path, kind: str) -> str:
    return f".{out_dir.name}{kind}"


def lock_path(out_dir: Path) -> Path:
    """The lock file of ``out_dir`` (beside it, so it survives the folder being swapped)."""
    return out_dir.parent / f".{out_dir.name}{_LOCK}"


def temporary_entries(out_dir: str | os.PathLike[str]) -> list[Path]:
    """Staging folders, lock files and hidden ``*.tmp`` files of ``out_dir`` left on disk
    (empty after any run that ended, however it ended, and after the next run of a killed one)."""
    out_dir = Path(out_dir).absolute()
    found: list[Path] = []
    if out_dir.parent.is_dir():
        for entry in out_dir.parent.iterdir():
            if entry.name.startswith((_prefix(out_dir, _STAGING), _prefix(out_dir, _OLD))) or (
                    entry.name == lock_path(out_dir).name):
                found.append(entry)
    if out_dir.is_dir():
        found += [p for p in out_dir.rglob(".*.tmp")]
    return sorted(found)


# ---- the lock -----------------------------------------------------------------------------------

def _acquire(out_dir: Path) -> int:
    path = lock_path(out_dir)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise OutputLockedError(
                str(out_dir), "no other rai-audit run writing into this folder",
                f"a run in progress (process {holder}; lock {path.name})",
                "wait for that run to finish, or write this one elsewhere with --out") from None
        # the file may have been unlinked by the previous holder between open and flock
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
            return fd
        os.close(fd)


def _release(out_dir: Path, fd: int) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(lock_path(out_dir))  # while still holding it: nobody can lock a stale file
    os.close(fd)


# ---- swapping -----------------------------------------------------------------------------------

def _renameat2():
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return None
    libc = ctypes.CDLL(libc_name, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn


_AT_FDCWD = -100
_EXCHANGE_FN = _renameat2() if os.name == "posix" else None


def exchange(a: Path, b: Path) -> bool:
    """Swap ``a`` and ``b`` in one step; False when this system cannot (then nothing moved)."""
    if _EXCHANGE_FN is None:
        return False
    if _EXCHANGE_FN(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(a))


def _written_by_us(out_dir: Path) -> set[str]:
    try:
        listed = json.loads((out_dir / MANIFEST).read_text())["entries"]
        return {str(e) for e in listed}
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def _holds_only_runs(out_dir: Path) -> bool:
    ours = KNOWN_ENTRIES | _written_by_us(out_dir) | {MANIFEST}
    cwd = Path.cwd().resolve()
    if out_dir.resolve() == cwd or out_dir.resolve() in cwd.parents:
        return False  # never swap away the folder a shell (or this process) is standing in
    return all(entry.name in ours or entry.name.endswith(".tmp") for entry in out_dir.iterdir())


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _commit(staging: Path, out_dir: Path) -> None:
    entries = sorted(p.name for p in staging.iterdir())
    (staging / MANIFEST).write_text(json.dumps({"entries": entries}))
    if not out_dir.exists():
        os.rename(staging, out_dir)
    elif _holds_only_runs(out_dir):
        if exchange(staging, out_dir):
            shutil.rmtree(staging)  # now the previous run
        else:
            old = Path(tempfile.mkdtemp(prefix=_prefix(out_dir, _OLD), dir=out_dir.parent))
            old.rmdir()
            os.rename(out_dir, old)
            os.rename(staging, out_dir)
            shutil.rmtree(old)
    else:
        _commit_entries(staging, out_dir, entries)
    _fsync_dir(out_dir.parent)


def _commit_entries(staging: Path, out_dir: Path, entries: list[str]) -> None:
    """Move each new entry over its old one (each atomic), then drop old run entries not
    rewritten; the user's own files in ``out_dir`` are left alone. ``result.json`` goes last,
    so a reader polling for it sees it only once the rest is in place."""
    previous = _written_by_us(out_dir)
    order = sorted(entries, key=lambda name: name == "result.json")
    for name in [*order, MANIFEST]:
        source, target = staging / name, out_dir / name
        if source.is_dir() and target.exists() and not exchange(source, target):
            aside = staging / f".{name}{_OLD}"
            os.rename(target, aside)
            os.rename(source, target)
        elif source.is_dir() and target.exists():
            pass  # exchanged: the old entry is now in staging, removed with it
        else:
            os.replace(source, target)
    for name in previous - set(entries) - {MANIFEST}:
        stale = out_dir / name
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
    shutil.rmtree(staging, ignore_errors=True)


def _clean_stale(out_dir: Path) -> None:
    """Remove what killed runs left (we hold the lock, so no live run owns any of it); a folder
    moved aside by a run killed mid-swap is put back first."""
    parent = out_dir.parent
    olds = sorted((p for p in parent.iterdir() if p.name.startswith(_prefix(out_dir, _OLD))),
                  key=lambda p: p.stat().st_mtime)
    if not out_dir.exists() and olds:
        os.rename(olds.pop(), out_dir)
    for entry in parent.iterdir():
        if entry.name.startswith((_prefix(out_dir, _STAGING), _prefix(out_dir, _OLD))):
            shutil.rmtree(entry, ignore_errors=True)
    if out_dir.is_dir():
        for tmp in out_dir.rglob(".*.tmp"):
            with contextlib.suppress(OSError):
                tmp.unlink()


# ---- signals and disk-full ------------------------------------------------------------------------

class RunTerminated(SystemExit):
    """SIGTERM (or SIGHUP) arrived during a staged run; its exit status is 128 + the signal."""


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    """SIGTERM and SIGHUP raise :class:`RunTerminated` (so ``finally`` blocks run) while inside."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise RunTerminated(128 + signum)

    previous = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) in (signal.SIG_DFL, None):
            previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the disk or quota is full."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in _FULL:
            return True
        if "No space left on device" in str(exc) or "Disk quota exceeded" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def disk_full_error(folder: Path) -> DiskFullError:
    return DiskFullError(
        str(folder), "free space to write the run's files",
        f"a full disk (No space left on device) on the file system holding {folder.parent}",
        f"free some space or write elsewhere with --out; {folder} was left as it was")


@contextlib.contextmanager
def staged_output(out_dir: str | os.PathLike[str]) -> Iterator[Path]:
    """Write a run into the staging folder this yields; swap it into ``out_dir`` on success.

    Raises
    ------
    OutputLockedError
        Another run holds ``out_dir``.
    OutputPathError
        ``out_dir`` is a file, or its parent cannot be written.
    DiskFullError
        The disk filled up during the run or the swap (``out_dir`` is unchanged).

    Examples
    --------
    >>> import os, tempfile
    >>> out = os.path.join(tempfile.mkdtemp(), "run")
    >>> with staged_output(out) as stage:
    ...     _ = (stage / "result.json").write_text("{}")
    >>> sorted(os.listdir(out))  # the manifest names the files this run wrote
    ['.rai-audit-manifest.json', 'result.json']
    """
    out_dir = Path(os.path.abspath(out_dir))
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputPathError(str(out_dir), "a folder for the run's files", "an existing file",
                              "choose another output folder (e.g. --out reports/out/myrun)")
    ensure_writable_dir(out_dir.parent)
    with _signals_raise():
        fd = _acquire(out_dir)
        staging: Path | None = None
        try:
            _clean_stale(out_dir)
            try:
                staging = Path(tempfile.mkdtemp(prefix=_prefix(out_dir, _STAGING),
                                                dir=out_dir.parent))
                os.chmod(staging, 0o777 & ~_UMASK)  # mkdtemp makes 0700; give the usual mode
                yield staging
                _commit(staging, out_dir)
                staging = None
            except BaseException as exc:
                if is_disk_full(exc):
                    raise disk_full_error(out_dir) from exc
                raise
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
            _release(out_dir, fd)

