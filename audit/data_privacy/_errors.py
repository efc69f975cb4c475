"""Typed errors of the data privacy scan: what was expected, what arrived, how to fix it.

The fix texts are module constants (the fairlearn way) so tests compare them exactly.
"""

from __future__ import annotations

from audit.errors import DataValidationError, MissingColumnError, OutputPathError

__all__ = [
    "FIX_K_TOO_LARGE",
    "FIX_MISSING_QI",
    "FIX_NOT_TEXT",
    "FIX_OUTPUT_EXISTS",
    "FIX_SAME_PATH",
    "DataPrivacyInputError",
    "KTooLargeError",
    "NotTextColumnError",
    "PrivacyColumnMissingError",
    "QuasiIdentifierMissingError",
    "RedactionPathError",
]

FIX_MISSING_QI = "name only columns of the table in quasi_identifiers (or fix the spelling)"
FIX_K_TOO_LARGE = ("choose a target k no larger than the number of rows (k = 5 or 10 is usual); "
                   "no generalisation can put more rows in a class than the table has")
FIX_NOT_TEXT = ("list only free-text columns in text_columns; numeric and categorical columns are "
                "covered by the quasi-identifier scan")
FIX_SAME_PATH = ("write the redacted or generalised copy to a new file (e.g. data.redacted.csv); "
                 "the original is never modified")
FIX_OUTPUT_EXISTS = "choose a new output path, or pass overwrite=True (--overwrite) to replace it"


class DataPrivacyInputError(DataValidationError):
    """Base class of the data privacy scan's input errors."""


class PrivacyColumnMissingError(DataPrivacyInputError, MissingColumnError):
    """A column named in the call or config (sensitive, text) is not in the table."""


class QuasiIdentifierMissingError(PrivacyColumnMissingError):
    """A quasi-identifier named in the call or config is not in the table."""


class KTooLargeError(DataPrivacyInputError):
    """The target k exceeds the number of rows, so no generalisation can reach it."""


class NotTextColumnError(DataPrivacyInputError):
    """A column given as free text holds numbers, booleans, dates or other non-string values."""


class RedactionPathError(DataPrivacyInputError, OutputPathError):
    """A redaction or generalisation output path equals the input or already exists."""
