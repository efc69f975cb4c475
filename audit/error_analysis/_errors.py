"""Typed errors of the error analysis: what was expected, what arrived, how to fix it."""

from __future__ import annotations

from audit.errors import DataValidationError, UnknownFeatureError

__all__ = ["ErrorAnalysisInputError", "MinSupportTooLargeError", "UnknownFeatureError",
           "UnknownMetricError"]


class ErrorAnalysisInputError(DataValidationError):
    """Base class of the error analysis's input errors."""


class MinSupportTooLargeError(ErrorAnalysisInputError):
    """The minimum cohort support is larger than the number of rows analysed."""


class UnknownMetricError(ErrorAnalysisInputError):
    """The requested metric is not one the slices can be ranked by."""
