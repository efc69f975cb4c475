"""Typed errors of DP-SGD training and accounting."""

from __future__ import annotations

from audit.errors import ConfigError, RaiAuditError


class DeltaError(ConfigError):
    """Delta outside (0, 1) or not below 1/N."""


class UnreachableEpsilonError(ConfigError):
    """No noise multiplier reaches the target epsilon with these epochs and sampling rate."""


class UnsupportedModelError(RaiAuditError):
    """The model has layers opacus cannot make private (all reasons are listed)."""
