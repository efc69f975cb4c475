"""The places that used to list every concern now derive them from the registry: none of them
names an audit's slug (as a string, an ``audits.<slug>`` key or a ``result.<slug>`` section)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from audit.core import registered_audits

ROOT = Path(__file__).resolve().parents[2]
#: The config, result schema, runner, policy registry, report, dashboard navigation and CLI
#: listing: each is built from the registry.
DERIVED = ["audit/config.py", "audit/result/_schema.py", "audit/result/_io.py",
           "audit/result/_migrate.py", "audit/runner.py", "audit/pipelines.py",
           "audit/policy/_metrics.py", "audit/policy/_evaluate.py", "reports/_render.py",
           "reports/templates/report.html.j2", "dashboards/app.py", "dashboards/_pages.py",
           "audit/core/_contract.py"]
SLUGS = sorted(a.slug for a in registered_audits())


def _strings(path: Path) -> list[str]:
    """String literals of the file (docstrings and help texts aside: they may give examples)."""
    if path.suffix != ".py":
        return re.findall(r'"([^"]*)"', path.read_text())
    tree = ast.parse(path.read_text())
    docs = {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body
            and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    described = {id(k.value) for node in ast.walk(tree) if isinstance(node, ast.Call)
                 for k in node.keywords if k.arg in ("description", "help")}
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
            and isinstance(node.value, str) and id(node) not in docs | described]


@pytest.mark.parametrize("name", DERIVED)
def test_no_slug_is_named_where_the_registry_is_read(name):
    path = ROOT / name
    text = path.read_text()
    named = {s for s in SLUGS for literal in _strings(path)
             if re.search(rf"(^|[^a-z_]){s}([^a-z_]|$)", literal) and "#" + s not in literal}
    named |= {s for s in SLUGS if re.search(rf"(audits|result|r)\.{s}\b", text)}
    assert not named, f"{name} names {sorted(named)}: derive it from audit.core.registered_audits()"
