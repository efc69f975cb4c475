"""Typed errors of the prediction-log audit: what was expected, what arrived, how to fix it."""

from __future__ import annotations

from audit.errors import ConfigError, DataValidationError, MissingColumnError

__all__ = [
    "CountsTableTooLargeError",
    "EngineNotInstalledError",
    "LogColumnMissingError",
    "LogConfigError",
    "LogValueError",
    "UnsupportedTableError",
]


class LogColumnMissingError(MissingColumnError):
    """A column the audit was told to read is not in the prediction log."""


class LogValueError(DataValidationError):
    """A column of the log holds values the audit cannot read (labels, scores, timestamps)."""


class UnsupportedTableError(DataValidationError):
    """The table is of a type no supported engine reads."""


class EngineNotInstalledError(DataValidationError):
    """The engine asked for is not installed (its extra names the fix)."""


class CountsTableTooLargeError(DataValidationError):
    """An aggregate would bring more rows to the driver than its limit allows."""


class LogConfigError(ConfigError):
    """A prediction-log audit setting cannot be used as given."""
