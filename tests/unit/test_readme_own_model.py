"""Every Python snippet of the README's "Audit your own model" section runs, in order, in an
empty folder, and writes a full report."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).parents[2] / "README.md"


def _section_snippets() -> list[str]:
    text = README.read_text()
    start = text.index("## Audit your own model")
    section = text[start:text.index("\n## ", start + 1)]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_the_section_comes_right_after_the_quick_start():
    headings = re.findall(r"^## (.+)$", README.read_text(), re.M)
    assert headings[headings.index("Quick start (two commands, from a fresh clone)") + 1] == \
        "Audit your own model"
    assert len(_section_snippets()) == 4


@pytest.mark.slow
def test_every_snippet_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "readme"}
    for snippet in _section_snippets():
        exec(compile(snippet, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    for run in ("loans", "torch", "sklearn", "served"):
        folder = tmp_path / "out" / run
        assert sorted(p.name for p in folder.iterdir()
                      if p.is_file() and not p.name.startswith(".")) == [
            "model_card.md", "report.html", "result.json"], run
    assert (tmp_path / "out" / "loans" / "model" / "model.safetensors").is_file()  # kept
    assert namespace["result"].fairness.partitions[0].name == "sex"
