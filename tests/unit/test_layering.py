"""The layers of audit/, checked on the source: no import cycle between packages, the ground
floor imports nothing above it, and no package imports another's private module.

The graph is read with ``ast`` from every ``.py`` file, so nothing is imported to build it and
every import statement counts: module level, inside functions, under ``if TYPE_CHECKING``. A
node is a subpackage of ``audit`` (``audit.fairness``, ``audit.core``, ...) or a module directly
under ``audit/`` (``audit/runner.py`` is ``runner``, ``audit/config.py`` is ``config``).

A module named by a string (``importlib.import_module(name)``) is plugin discovery, not a
dependency: the registry in ``audit.core`` imports the built-in audit packages by name so that
they register themselves, and uses none of their names. Such names are left out of the graph,
but the private-module test reads them too (a string may not name another package's private
module either).
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Packages that every other one may use and that use none of the others.
GROUND_FLOOR = frozenset({"core", "errors", "_io", "_lazy", "_threads"})

#: ``(lower, upper)``: the lower package must never import the upper one (even where no cycle
#: would follow today): the DP mechanism sits below training, training below the privacy audit,
#: model architectures below the text pipeline, audits below the config and the runner.
BELOW = (
    ("dp", "training"), ("dp", "privacy"), ("training", "privacy"), ("models", "text"),
    *((concern, top) for concern in ("fairness", "privacy", "explain", "robustness", "error_analysis",
                                     "counterfactuals", "data_privacy", "text_bias", "text_models")
      for top in ("config", "runner", "cli")),
)

_MODULE_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")


@dataclass(frozen=True)
class Import:
    """One import: the file and line that make it, the importing module, the module imported."""

    file: str
    line: int
    importer: str
    module: str
    by_name: bool = False  # named by a string (importlib), not an import statement


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _resolve(dotted: str) -> str | None:
    """The longest prefix of ``dotted`` that is a module of the repository (``None``: not ours)."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        if _is_module(".".join(parts[:end])):
            return ".".join(parts[:end])
    return None


def _imported_names(tree: ast.AST, importer: str,
                    is_package: bool) -> list[tuple[int, str, bool]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, False) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = importer.split(".") if is_package else importer.split(".")[:-1]
                package = package[:len(package) - node.level + 1]
                base = ".".join([*package, base] if base else package)
            # ``from a import b`` imports a.b when b is a module, else it reads a name of a
            found += [(node.lineno, f"{base}.{alias.name}", False) for alias in node.names]
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and _MODULE_PATH.match(node.value) and node.value.startswith("audit.")
              and _is_module(node.value)):
            found.append((node.lineno, node.value, True))  # importlib.import_module("audit.x")
    return found


def imports(*folders: str) -> list[Import]:
    """Every import of one of our modules made by the ``.py`` files under ``folders``."""
    return [i for folder in folders for i in _imports_under(folder)]


@cache
def _imports_under(folder: str) -> tuple[Import, ...]:
    out = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        importer = _module_of(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, name, by_name in _imported_names(tree, importer, path.name == "__init__.py"):
            module = _resolve(name)
            if module is not None:
                out.append(Import(str(path.relative_to(ROOT)), line, importer, module, by_name))
    return tuple(out)


def node(module: str) -> str:
    """The graph node of a module of ``audit``: its subpackage, or itself when directly under
    ``audit/`` (``audit`` for the top-level package)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def package_edges() -> dict[tuple[str, str], list[Import]]:
    """``(importer node, imported node) -> the import statements making the edge``, inside
    ``audit/``."""
    edges: dict[tuple[str, str], list[Import]] = defaultdict(list)
    for imp in imports("audit"):
        if imp.by_name or not imp.module.startswith("audit"):
            continue
        a, b = node(imp.importer), node(imp.module)
        if a != b:
            edges[a, b].append(imp)
    return edges


def cycles(edges: dict[tuple[str, str], list[Import]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan's algorithm)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
        graph[b]
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _describe(component: list[str], edges: dict[tuple[str, str], list[Import]]) -> str:
    lines = [" <-> ".join(component)]
    for (a, b), made_by in sorted(edges.items()):
        if a in component and b in component:
            where = ", ".join(sorted({f"{i.file}:{i.line}" for i in made_by}))
            lines.append(f"  {a} -> {b}: {where}")
    return "\n".join(lines)


def crosses_into_private(importer: str, module: str) -> bool:
    """Whether ``importer`` reaches into a private module (a name part starting with ``_``) of
    another package: ``audit.fairness._counts`` from outside ``audit.fairness``,
    ``reports._render`` from outside ``reports``. The top-level ``audit._io``, ``audit._lazy``
    and ``audit._threads`` are the ground floor's shared helpers, open to every package.

    Examples
    --------
    >>> crosses_into_private("audit.fairness._audit", "audit.fairness._config")
    False
    >>> crosses_into_private("audit.robustness._flips", "audit.fairness._counts")
    True
    """
    parts = module.split(".")
    private = next((i for i, p in enumerate(parts) if i and p.startswith("_")
                    and not p.startswith("__")), None)
    if private is None:
        return False
    owner = ".".join(parts[:private])
    return owner != "audit" and importer != owner and not importer.startswith(owner + ".")


def private_imports(*folders: str) -> list[Import]:
    """The imports under ``folders`` that reach into another package's private module."""
    return [i for i in imports(*folders) if crosses_into_private(i.importer, i.module)]


def test_the_graph_is_read():
    edges = package_edges()
    assert ("training", "dp") in edges and ("privacy", "dp") in edges
    assert ("fairness", "core") in edges and ("core", "errors") in edges
    # function-level and TYPE_CHECKING imports count
    lazy = [i for i in edges["training", "dp"] if i.file == "audit/training/_fit.py"]
    assert len({i.line for i in lazy}) >= 2


def test_no_import_cycle_between_packages():
    edges = package_edges()
    found = cycles(edges)
    assert not found, "import cycles between packages of audit/:\n" + "\n".join(
        _describe(c, edges) for c in found)


def test_cycle_detection_finds_cycles():
    assert cycles({("a", "b"): [], ("b", "c"): [], ("c", "a"): [], ("c", "d"): []}) == [["a", "b", "c"]]


def test_ground_floor_imports_nothing_above_it():
    above = sorted(f"{a} -> {b}: {i.file}:{i.line}" for (a, b), made_by in package_edges().items()
                   if a in GROUND_FLOOR and b not in GROUND_FLOOR for i in made_by)
    assert not above, "the ground floor imports from above:\n" + "\n".join(above)


@pytest.mark.parametrize(("lower", "upper"), BELOW, ids=[f"{a}-below-{b}" for a, b in BELOW])
def test_lower_layer_does_not_import_upper(lower, upper):
    made_by = package_edges().get((lower, upper), [])
    assert not made_by, f"{lower} imports {upper}: " + ", ".join(f"{i.file}:{i.line}" for i in made_by)


def test_no_import_of_another_packages_private_module():
    found = private_imports("audit", "reports", "dashboards")
    assert not found, "imports of another package's private module (import its public name):\n" + \
        "\n".join(f"  {i.file}:{i.line}: {i.module}" for i in found)
