"""One view model per section: the dashboard page shows the tables the report's view builds.

Each audit's view module ``reports/sections/<slug>.py`` builds its tables once
(:class:`reports.table.Table`); the report's template formats their rows and the dashboard page
renders ``Table.frame()``. These tests read the pages' source (they must take their tables from
the view module) and open each page on the pinned census result, whose every table built by
the view must be on the page cell for cell.
"""

from __future__ import annotations

import ast
import gzip
import importlib
from pathlib import Path

import pandas as pd
import pytest

from audit.core import registered_audits
from audit.result import result_from_json, save_result
from reports.table import Table
from tests._apptest import open_audit_page

ROOT = Path(__file__).resolve().parents[2]
CENSUS = ROOT / "tests" / "fixtures" / "census_result_pinned.json.gz"
#: Tables a page shows only after the reader picks them (a feature, a method, a metric).
CHOSEN_BY_READER = ("groups:", "importance:", "cohorts:", "leaves:")


def _audits_with_view_and_page() -> list[str]:
    return [a.slug for a in registered_audits()
            if (ROOT / "reports" / "sections" / f"{a.slug}.py").is_file()
            and (ROOT / "dashboards" / "pages" / f"{a.slug}.py").is_file()]


@pytest.mark.parametrize("slug", _audits_with_view_and_page())
def test_the_page_takes_its_tables_from_the_report_view(slug):
    tree = ast.parse((ROOT / "dashboards" / "pages" / f"{slug}.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert f"reports.sections.{slug}" in imported


@pytest.fixture(scope="module")
def census(tmp_path_factory):
    result = result_from_json(gzip.open(CENSUS).read())
    path = tmp_path_factory.mktemp("census") / "result.json"
    save_result(result, path)
    return result, path


def _same(expected: pd.DataFrame, shown: pd.DataFrame) -> bool:
    if not isinstance(shown.index, pd.RangeIndex):
        shown = shown.reset_index()
    if list(shown.columns) != list(expected.columns) or len(shown) != len(expected):
        return False
    return expected.astype(str).reset_index(drop=True).equals(
        shown.astype(str).reset_index(drop=True))


@pytest.mark.parametrize("slug", ["privacy", "fairness", "explainability", "robustness",
                                  "error_analysis", "data_privacy", "counterfactuals"])
def test_the_page_shows_the_view_tables_cell_for_cell(census, slug, monkeypatch):
    result, path = census
    view = importlib.import_module(f"reports.sections.{slug}")
    built = {name: table for name, table in view.tables(getattr(result, slug)).items()
             if isinstance(table, Table) and table}
    assert built, f"the census result gives {slug} no table"
    at = open_audit_page(path, slug, monkeypatch)
    assert not at.exception, at.exception
    shown = [d.value for d in at.dataframe]
    missing = [name for name, table in built.items()
               if not name.startswith(CHOSEN_BY_READER)
               and not any(_same(table.frame(), frame) for frame in shown)]
    assert not missing, f"{slug}: built by the view but not on the page: {missing}"
    chosen = [name for name in built if name.startswith(CHOSEN_BY_READER)]
    if chosen:  # the table of the default choice is on the page
        assert any(_same(built[name].frame(), frame) for name in chosen for frame in shown)
