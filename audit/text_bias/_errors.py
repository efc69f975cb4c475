"""Typed errors of the text-bias audit (all subclasses of :class:`audit.errors.RaiAuditError`)."""

from __future__ import annotations

from audit.errors import RaiAuditError


class TextBiasError(RaiAuditError):
    """A text-bias measurement cannot be made as asked."""


class TemplatePlaceholderError(TextBiasError):
    """A template has no identity placeholder, so swapping the identity term changes nothing."""


class EmptyDescriptorsError(TextBiasError):
    """An axis or group has no identity terms to put in the templates."""


class UnknownAxisError(TextBiasError):
    """An axis name is not one the identity catalogue knows."""


class UnknownSeatTestError(TextBiasError):
    """A SEAT test name is not defined, or a word set it needs is missing."""


class PredictionShapeError(TextBiasError):
    """A ``predict_proba`` callable returned scores of the wrong shape or outside [0, 1]."""


__all__ = ["EmptyDescriptorsError", "PredictionShapeError", "TemplatePlaceholderError", "TextBiasError",
           "UnknownAxisError", "UnknownSeatTestError"]
