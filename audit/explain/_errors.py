"""Typed errors of the explainability audit (all subclasses of :class:`audit.errors.RaiAuditError`)."""

from __future__ import annotations

from audit.errors import RaiAuditError


class ExplainError(RaiAuditError):
    """An attribution cannot be computed as asked."""


class TargetOutOfRangeError(ExplainError):
    """The target class index is not one of the model's outputs."""


class BaselineShapeError(ExplainError):
    """A baseline does not match the inputs' shape (or a method's need for a distribution)."""


class RowsNotFoundError(ExplainError):
    """Rows were requested by index that the data does not have."""


class NotDifferentiableError(ExplainError):
    """A gradient method was asked of a model whose output has no usable gradient."""


class FeatureGroupsError(ExplainError):
    """Feature groups do not partition the encoded columns."""


class EmbeddingInputError(ExplainError):
    """The model's embeddings cannot be traced back to its input columns."""


class NotAttributableError(ExplainError):
    """A gradient method was asked to attribute integer inputs that no embedding reads
    (their gradient is 0 whatever the model does with them)."""


__all__ = ["BaselineShapeError", "EmbeddingInputError", "ExplainError", "FeatureGroupsError",
           "NotAttributableError", "NotDifferentiableError", "RowsNotFoundError",
           "TargetOutOfRangeError"]
