"""Typed errors for text data and text models (all :class:`ValueError` subclasses)."""

from __future__ import annotations

from audit.errors import DataValidationError, MissingTextModelError, TokenizerModelMismatchError

__all__ = ["EmptyTextError", "MissingTextModelError", "NonTextColumnError", "TextEncodingError",
           "TextTooLongError", "TokenizerModelMismatchError"]


class EmptyTextError(DataValidationError):
    """A text column holds empty or whitespace-only strings (or missing values)."""


class TextTooLongError(DataValidationError):
    """A text is longer than the model's token limit and the policy is ``"refuse"``."""


class NonTextColumnError(DataValidationError):
    """A column named as text holds numbers or other non-string values."""


class TextEncodingError(DataValidationError):
    """A text file is not valid UTF-8."""

