"""Regression: the sidebar's folder search used ``Path.rglob`` with no bound, so typing ``/`` (or
a home folder) made every rerun walk the whole disk and the dashboard hung."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

pytest.importorskip("streamlit")

from dashboards import _state  # noqa: E402
from dashboards._state import result_files  # noqa: E402


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}")
    return path


def test_search_is_bounded_in_depth_and_skips_environments(tmp_path):
    shallow = touch(tmp_path / "a" / "result.json")
    deep_enough = touch(tmp_path / "1" / "2" / "3" / "4" / "result.json")
    touch(tmp_path / "1" / "2" / "3" / "4" / "5" / "result.json")  # below MAX_DEPTH
    touch(tmp_path / ".venv" / "lib" / "result.json")
    touch(tmp_path / "node_modules" / "x" / "result.json")
    touch(tmp_path / ".hidden" / "result.json")
    dev = touch(tmp_path / "dev" / "result.json")  # only /dev, /proc... at the disk root are skipped
    assert result_files(tmp_path) == sorted([shallow, deep_enough, dev])


def test_search_stops_after_max_files_and_folders(tmp_path, monkeypatch):
    for i in range(12):
        touch(tmp_path / f"run{i:02d}" / "result.json")
    monkeypatch.setattr(_state, "MAX_FILES", 5)
    assert len(result_files(tmp_path)) == 5
    monkeypatch.setattr(_state, "MAX_FILES", 200)
    monkeypatch.setattr(_state, "MAX_FOLDERS", 4)  # the root and three runs
    assert len(result_files(tmp_path)) == 3


def test_file_and_missing_paths(tmp_path):
    one = touch(tmp_path / "x.json")
    assert result_files(one) == [one]
    assert result_files(tmp_path / "missing") == []


def test_the_disk_root_answers_quickly():
    start = time.perf_counter()
    result_files(Path("/"))
    # bounded: at most MAX_FOLDERS folders are listed (seconds, not the minutes of a full walk)
    assert time.perf_counter() - start < 120
