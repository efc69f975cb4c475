"""Finding and loading results for the dashboard (no computation happens here)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import streamlit as st

from audit.errors import ResultFormatError
from audit.result import AuditResult, load_result, result_from_json


def results_argument(argv: list[str] | None = None) -> Path | None:
    """The ``--results PATH`` given after ``--`` on the streamlit command line."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--results", type=Path, default=None)
    known, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    return known.results


def result_files(path: Path) -> list[Path]:
    """``path`` itself if it is a file, else every ``result.json`` below it."""
    if path.is_file():
        return [path]
    return sorted(path.rglob("result.json")) if path.is_dir() else []


@st.cache_data(show_spinner=False)
def cached_result(path: str, mtime: float) -> AuditResult:
    """Load a result once per file version (``mtime`` is part of the cache key)."""
    return load_result(path)


def load_for_display(path: Path) -> AuditResult | str:
    """The result, or the error message to show instead of a traceback."""
    try:
        return cached_result(str(path), path.stat().st_mtime)
    except ResultFormatError as exc:
        return str(exc)


def load_upload(data: bytes, name: str) -> AuditResult | str:
    """Parse an uploaded result.json, or return the error message."""
    try:
        return result_from_json(data, source=name)
    except ResultFormatError as exc:
        return str(exc)
