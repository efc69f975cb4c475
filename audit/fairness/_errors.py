"""Typed errors of the fairness audit: what was expected, what arrived, how to fix it.

The fix texts are module constants (the fairlearn way) so tests compare them exactly.
"""

from __future__ import annotations

from audit.errors import (
    DataValidationError,
    MissingColumnError,
    NonFiniteValueError,
    SingleGroupSensitiveError,
)

__all__ = [
    "FIX_LENGTH",
    "FIX_MISSING_VALUES",
    "FIX_NOT_BINARY",
    "FIX_PROBABILITY_RANGE",
    "FIX_SINGLE_GROUP",
    "FIX_TOO_MANY_GROUPS",
    "FairnessInputError",
    "LengthMismatchError",
    "MissingSensitiveValueError",
    "NotBinaryError",
    "ProbabilityRangeError",
    "SensitiveFeatureMissingError",
    "SingleGroupError",
    "TooManyGroupsError",
]

FIX_LENGTH = "pass y_true, y_pred, y_score and sensitive_features for the same rows, in the same order"
FIX_NOT_BINARY = ("threshold the scores first (e.g. y_pred = (y_score >= 0.5).astype(int)) or map the "
                  "labels to 0/1 with 1 the favourable outcome")
FIX_PROBABILITY_RANGE = ("pass the predicted probability of the positive class (e.g. "
                         "torch.softmax(logits, 1)[:, 1]), not logits or decision scores")
FIX_MISSING_VALUES = ("choose a policy explicitly: nan_policy='own_group' keeps these rows as a group "
                      "named '(missing)', nan_policy='drop' leaves them out (and says how many)")
FIX_SINGLE_GROUP = "audit a feature with at least two groups, or remove it from sensitive_features"
FIX_TOO_MANY_GROUPS = ("bin numeric features (e.g. sensitive_bins: {age: [25, 45, 65]}), merge rare "
                       "categories, intersect fewer features, or raise max_groups")


class FairnessInputError(DataValidationError):
    """Base class of the fairness audit's input errors."""


class SensitiveFeatureMissingError(FairnessInputError, MissingColumnError):
    """A sensitive feature named in the call or the config is not among the columns given."""


class SingleGroupError(FairnessInputError, SingleGroupSensitiveError):
    """A sensitive feature holds a single value: there is nothing to compare."""


class LengthMismatchError(FairnessInputError):
    """y_true, y_pred, y_score and the sensitive features do not have the same number of rows."""


class NotBinaryError(FairnessInputError):
    """Labels or predictions hold values other than 0 and 1."""


class ProbabilityRangeError(FairnessInputError):
    """Scores are not probabilities in [0, 1] (or are NaN)."""


class MissingSensitiveValueError(FairnessInputError, NonFiniteValueError):
    """A sensitive feature has missing values and no explicit policy was chosen."""


class TooManyGroupsError(FairnessInputError):
    """An intersection of sensitive features has more groups than the configured maximum."""
