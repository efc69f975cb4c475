"""Finding and loading results for the dashboard (no computation happens here)."""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from audit.errors import ResultFormatError
from audit.result import AuditResult, display_copy, load_result, result_from_json

#: Environment variable naming a result.json or a folder of results. Used when the app is
#: started without ``-- --results PATH`` (e.g. by ``streamlit.testing`` or a container).
RESULTS_ENV = "RAI_AUDIT_RESULTS"

#: Folder searched when neither ``--results`` nor ``RAI_AUDIT_RESULTS`` is given.
DEFAULT_FOLDER = "reports/out"

#: How deep, through how many folders and for how many files :func:`result_files` looks, so
#: that typing ``/`` in the sidebar cannot make the app walk the whole disk.
MAX_DEPTH = 4
MAX_FOLDERS = 2000
MAX_FILES = 200
_SKIPPED_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", "site-packages"}
_SYSTEM_DIRS = {"proc", "sys", "dev", "run"}  # skipped only directly under "/"


def results_argument(argv: list[str] | None = None) -> Path | None:
    """The ``--results PATH`` given after ``--`` on the streamlit command line."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--results", type=Path, default=None)
    known, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    return known.results


def results_location(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> Path | None:
    """Where to look for results: ``--results PATH``, else ``$RAI_AUDIT_RESULTS``, else None."""
    given = results_argument(argv)
    if given is not None:
        return given
    value = (os.environ if environ is None else environ).get(RESULTS_ENV, "").strip()
    return Path(value) if value else None


def result_files(path: Path) -> list[Path]:
    """``path`` itself if it is a file, else the ``result.json`` files below it.

    The search goes at most :data:`MAX_DEPTH` folders deep, skips hidden folders and virtual
    environments, and stops after :data:`MAX_FOLDERS` folders or :data:`MAX_FILES` files.
    """
    path = path.expanduser()
    if path.is_file():
        return [path]
    if not path.is_dir():
        return []
    found: list[Path] = []
    base_depth = len(path.parts)
    for visited, (folder, dirs, files) in enumerate(os.walk(path)):
        if visited >= MAX_FOLDERS:
            break
        depth = len(Path(folder).parts) - base_depth
        at_root = Path(folder) == Path(folder).parent
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED_DIRS
                         and not (at_root and d in _SYSTEM_DIRS) and depth < MAX_DEPTH)
        if "result.json" in files:
            found.append(Path(folder) / "result.json")
            if len(found) >= MAX_FILES:
                break
    return sorted(found)


@st.cache_data(ttl=10, show_spinner=False, max_entries=16)
def cached_result_files(path: str) -> list[Path]:
    """:func:`result_files`, re-scanned at most every 10 s (the sidebar reruns often)."""
    return result_files(Path(path))


def describe(path: Path, root: Path) -> str:
    """A short label for ``path`` in the result picker: relative to ``root`` when inside it."""
    try:
        relative = path.relative_to(root)
    except ValueError:
        return str(path)
    if str(relative) in (".", path.name):  # root is the file itself, or holds it directly
        return f"{root.name}/{path.name}" if root.name and root != path else path.name
    return str(relative)


@st.cache_data(show_spinner=False, max_entries=32)
def cached_result(path: str, mtime: float) -> AuditResult:
    """Load a result once per file version (``mtime`` is part of the cache key), with its strings
    made safe to show (:func:`audit.result._display.display_copy`)."""
    return display_copy(load_result(path))


@st.cache_data(show_spinner=False, max_entries=8)
def _cached_upload(digest: str, _data: bytes, name: str) -> AuditResult:
    """Parse an upload once per content (``digest``); ``_data`` is not hashed again."""
    return display_copy(result_from_json(_data, source=name))


def load_for_display(path: Path) -> AuditResult | str:
    """The result, or the error message to show instead of a traceback."""
    try:
        return cached_result(str(path), path.stat().st_mtime)
    except ResultFormatError as exc:
        return str(exc)
    except OSError as exc:
        return (f"{path}: expected a readable result.json, got {type(exc).__name__}: "
                f"{exc.strerror or exc}. Fix: check the path and its permissions.")
    except RecursionError:
        return (f"{path}: expected a result.json written by rai-audit, got JSON nested too deeply "
                "to read. Fix: regenerate the result with `rai-audit run`.")


def load_upload(data: bytes, name: str) -> AuditResult | str:
    """Parse an uploaded result.json, or return the error message."""
    try:
        return _cached_upload(hashlib.sha256(data).hexdigest(), data, name)
    except ResultFormatError as exc:
        return str(exc)
    except RecursionError:
        return (f"{name}: expected a result.json written by rai-audit, got JSON nested too deeply "
                "to read. Fix: regenerate the result with `rai-audit run`.")


_MARKDOWN_SPECIALS = set("\\`*_{}[]()#+-.!|<>$~:=\"'&")


def md_escape(text: object) -> str:
    """``text`` escaped for Streamlit markdown so user strings show literally.

    Streamlit never renders raw HTML from markdown, but ``*``, ``[..](..)``, ``$..$`` and friends
    in a run or column name would still be interpreted; every ASCII punctuation character is
    backslash-escaped (CommonMark) and newlines become spaces.
    """
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch
                   for ch in " ".join(str(text).splitlines()))


def fmt_pct(value: float, digits: int = 2) -> str:
    """``0.855`` -> ``'85.50%'``; NaN (an undefined metric) -> ``'undefined'``."""
    return "undefined" if value is None or math.isnan(value) else f"{value:.{digits}%}"


def fmt_num(value: float, digits: int = 3) -> str:
    """A float with ``digits`` decimals; NaN -> ``'undefined'``."""
    return "undefined" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def open_result() -> AuditResult:
    """The result opened in the sidebar; without one, the page says so and stops."""
    result = st.session_state.get("result")
    if result is None:
        st.info("Open a result in the sidebar first.")
        st.stop()
    return result


def section_or_stop(name: str, not_run: str, *, is_empty: Callable[[Any], bool] | None = None):
    """``(result, section)`` for the page of section ``name`` of the open result.

    The page says ``not_run`` and stops when the section is missing (its audit was not run) or
    when ``is_empty(section)`` says it has nothing to show.
    """
    result = open_result()
    record = result.record(name) if hasattr(result, "record") else None
    if record is not None and record.status == "failed" and record.failure is not None:
        st.error(f"This audit failed and produced no results: {md_escape(record.failure.error_type)}: "
                 f"{md_escape(record.failure.message)}")
        st.stop()
    section = getattr(result, name, None)
    if section is None or (is_empty is not None and is_empty(section)):
        st.info(not_run)
        st.stop()
    return result, section
