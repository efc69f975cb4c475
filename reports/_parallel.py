"""Build the report's sections in parallel worker processes, when that is safe and helps.

Nearly all of a report's render time is matplotlib laying out and drawing its SVG charts, one
section after another on one core. Sections do not depend on each other, so each section's
``context(result)`` can run in its own process. Workers are forked: they inherit the imported
modules and the result without pickling them, so they start in milliseconds; only each section's
context (strings and small values) comes back. The output is byte-identical to a serial render
(matplotlib's SVG ids are seeded), which a test checks.

Serial instead when: the platform cannot fork; one CPU; the caller runs Python threads of its
own, tqdm's monitor excepted (forking a process whose other threads may hold locks can
deadlock the child), or
``RAI_AUDIT_REPORT_WORKERS=1``. Any failure in the parallel path (a context that cannot be
pickled, a killed worker) falls back to the serial render, so the report is never lost to it.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import threading
import warnings
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from types import ModuleType
from typing import Any

from audit.result import AuditResult

#: Set in the parent just before forking, read by the workers (inherited, never pickled).
_RESULT: AuditResult | None = None


def _other_threads() -> list[threading.Thread]:
    """Python threads besides the main one, except tqdm's progress-bar monitor (it only waits on
    an event between rare checks of its bars, and the workers never touch tqdm)."""
    return [t for t in threading.enumerate()
            if t is not threading.main_thread() and type(t).__name__ != "TMonitor"]


def report_workers(n_sections: int) -> int:
    """How many worker processes to use for ``n_sections`` sections (1 means serial)."""
    configured = os.environ.get("RAI_AUDIT_REPORT_WORKERS", "").strip()
    if configured:
        try:
            return max(1, min(int(configured), n_sections))
        except ValueError:
            return 1
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if _other_threads():
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cpus or 1, n_sections))


def _context_of(module_name: str) -> dict[str, Any]:
    assert _RESULT is not None
    return importlib.import_module(module_name).context(_RESULT)


def section_contexts(result: AuditResult, views: Sequence[ModuleType]) -> dict[str, Any]:
    """Merge ``view.context(result)`` of every view, computed in parallel when possible.

    Parameters
    ----------
    result : AuditResult
    views : sequence of modules
        Each with a ``context(result) -> dict`` function; later views win on a key clash, as in
        a serial ``dict.update`` loop.
    """
    global _RESULT
    workers = report_workers(len(views))
    if workers > 1:
        _RESULT = result
        try:
            with warnings.catch_warnings():
                # Python >= 3.12 warns when forking a process with native threads (torch's);
                # the workers only draw charts, they never touch those threads' state.
                warnings.simplefilter("ignore", DeprecationWarning)
                with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                    futures = [pool.submit(_context_of, view.__name__) for view in views]
                    merged: dict[str, Any] = {}
                    for future in futures:
                        merged.update(future.result())
            return merged
        except Exception:  # noqa: BLE001 - any failure here only costs the speed-up
            pass
        finally:
            _RESULT = None
    merged = {}
    for view in views:
        merged.update(view.context(result))
    return merged
