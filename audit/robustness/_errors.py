"""Typed errors of the robustness checks: what was expected, what arrived, how to fix it."""

from __future__ import annotations

from audit.errors import RaiAuditError, UnknownFeatureError

__all__ = ["RobustnessInputError", "UnknownFeatureError"]


class RobustnessInputError(RaiAuditError):
    """An input of a robustness check (scores, templates, terms, a callable's output) is unusable."""
