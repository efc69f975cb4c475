"""The report's sections built in worker processes give the same HTML as built one by one."""

from __future__ import annotations

import pytest

from reports import _parallel, render_report
from reports._render import SECTION_VIEWS


@pytest.fixture(scope="module")
def full_result(census_run):
    return census_run.result


def test_views_fill_distinct_template_names(full_result):
    seen: dict[str, str] = {}
    for view in SECTION_VIEWS:
        for key in view.context(full_result):
            assert key not in seen, f"{view.__name__} and {seen[key]} both set {key!r}"
            seen[key] = view.__name__


def test_parallel_render_equals_serial_render(full_result, monkeypatch):
    monkeypatch.setenv("RAI_AUDIT_REPORT_WORKERS", "1")
    serial = render_report(full_result)
    monkeypatch.setenv("RAI_AUDIT_REPORT_WORKERS", "2")
    assert _parallel.report_workers(len(SECTION_VIEWS)) == 2
    assert render_report(full_result) == serial


def test_workers_setting_is_read_and_bounded(monkeypatch):
    monkeypatch.setenv("RAI_AUDIT_REPORT_WORKERS", "64")
    assert _parallel.report_workers(3) == 3
    monkeypatch.setenv("RAI_AUDIT_REPORT_WORKERS", "not a number")
    assert _parallel.report_workers(3) == 1
    monkeypatch.delenv("RAI_AUDIT_REPORT_WORKERS")
    assert 1 <= _parallel.report_workers(3) <= 3


def test_a_thread_of_the_caller_makes_the_render_serial(monkeypatch):
    import threading

    monkeypatch.delenv("RAI_AUDIT_REPORT_WORKERS", raising=False)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert _parallel.report_workers(3) == 1
    finally:
        stop.set()
        thread.join()
