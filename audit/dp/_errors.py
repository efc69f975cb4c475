"""Typed errors of DP-SGD training and accounting."""

from __future__ import annotations

from audit.errors import ConfigError, RaiAuditError


class DeltaError(ConfigError):
    """Delta outside (0, 1) or not below 1/N."""


class UnreachableEpsilonError(ConfigError):
    """No noise multiplier reaches the target epsilon with these epochs and sampling rate."""


class UnsupportedModelError(RaiAuditError):
    """The model has layers opacus cannot make private (all reasons are listed)."""


class BatchNormUnderDPError(UnsupportedModelError):
    """A BatchNorm layer would normalise each example with its batch peers under DP-SGD.

    Every such layer is reported together, each with the replacement that is valid for its
    inputs: ``nn.LayerNorm`` on ``(batch, features)`` inputs; ``nn.GroupNorm`` only on inputs
    with spatial dims (on 2-D inputs GroupNorm with one channel per group outputs its bias).
    """


class ConstantAfterFixError(UnsupportedModelError):
    """opacus's automatic fix left a model whose outputs no longer vary across rows."""
