"""Lazy public names for a package (PEP 562): importing the package stays light (no torch);
each name's module is imported the first time the name is used."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Any


def lazy_names(package: str, lazy: dict[str, str],
               public: Sequence[str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of ``package``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    lazy : dict
        Public name -> submodule (relative to ``package``) that defines it.
    public : sequence of str
        The package's ``__all__``, which ``dir()`` lists.
    """
    def __getattr__(name: str) -> Any:
        if name in lazy:
            value = getattr(importlib.import_module(f"{package}.{lazy[name]}"), name)
            setattr(sys.modules[package], name, value)  # later lookups skip __getattr__
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(public)

    return __getattr__, __dir__
