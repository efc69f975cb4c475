"""Typed errors of the counterfactual search (subclasses of :class:`audit.errors.RaiAuditError`)."""

from __future__ import annotations

from audit.errors import RaiAuditError, UnknownFeatureError


class CounterfactualError(RaiAuditError):
    """Counterfactuals cannot be searched as asked."""


class UnknownCostMetricError(CounterfactualError):
    """The requested cost (distance) metric is not one of the known metrics."""


class RowsOutOfRangeError(CounterfactualError):
    """Rows were requested by position that the split does not have."""


class NothingMutableError(CounterfactualError):
    """Every feature is immutable, so no input can change."""


__all__ = ["CounterfactualError", "NothingMutableError", "RowsOutOfRangeError",
           "UnknownCostMetricError", "UnknownFeatureError"]
