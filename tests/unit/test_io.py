"""Atomic writes and unwritable output paths."""

import os

import pytest

from audit._io import atomic_write_text, ensure_writable_dir
from audit.errors import OutputPathError


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    target.write_text("good")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write_text(target, "half")
    assert target.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temp file left


def test_written_file_has_usual_permissions(tmp_path):
    umask = os.umask(0)
    os.umask(umask)
    path = atomic_write_text(tmp_path / "r.json", "{}")
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_output_dir_under_a_file_is_refused(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputPathError, match="choose another output directory"):
        ensure_writable_dir(blocker / "out")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_read_only_dir_is_refused(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    with pytest.raises(OutputPathError, match="writable"):
        ensure_writable_dir(ro)
