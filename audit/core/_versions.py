"""Versions of Python and of the libraries whose numbers an audit relies on (run metadata)."""

from __future__ import annotations

import importlib.metadata
import platform

#: The libraries every run records.
VERSIONED_LIBRARIES = ("torch", "opacus", "fairlearn", "captum", "scikit-learn", "numpy", "pandas")


def library_versions(names: tuple[str, ...] = VERSIONED_LIBRARIES) -> dict[str, str]:
    """Versions of Python and the libraries whose numbers the audit relies on."""
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions
