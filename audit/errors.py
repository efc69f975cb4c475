"""Typed errors that a person can act on.

Every error says what was expected, what arrived and how to fix it, naming the column, key or
parameter. All are subclasses of :class:`ValueError` so ``except ValueError`` keeps working.

When a validator finds several problems it reports them together (the opacus way): the error
raised is the class of the first problem, its message lists every problem, and
``error.problems`` holds them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import get_close_matches

__all__ = [
    "ConfigError",
    "DataValidationError",
    "EmptyTableError",
    "GroupInputError",
    "LengthMismatchError",
    "MissingSensitiveValueError",
    "MissingTextModelError",
    "MissingColumnError",
    "ModelInputMismatchError",
    "NonFiniteValueError",
    "NotBinaryError",
    "OutputPathError",
    "Problem",
    "ProbabilityRangeError",
    "RaiAuditError",
    "ResultFormatError",
    "SensitiveFeatureMissingError",
    "SingleClassTargetError",
    "SingleGroupError",
    "SingleGroupSensitiveError",
    "TargetNotBinaryError",
    "TokenizerModelMismatchError",
    "TooManyGroupsError",
    "UnknownFeatureError",
    "raise_problems",
    "suggest",
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where, what was expected, what arrived, how to fix it."""

    error: type[RaiAuditError]
    where: str
    expected: str
    got: str
    fix: str

    def __str__(self) -> str:
        return f"{self.where}: expected {self.expected}, got {self.got}. Fix: {self.fix}"


class RaiAuditError(ValueError):
    """Base class of every input error raised by rai-audit.

    Parameters
    ----------
    where : str
        The column, key, parameter or path concerned.
    expected, got, fix : str
        What was expected, what arrived, and how to fix it.
    """

    def __init__(self, where: str, expected: str, got: str, fix: str) -> None:
        self.problems: tuple[Problem, ...] = (Problem(type(self), where, expected, got, fix),)
        super().__init__(str(self.problems[0]))

    @classmethod
    def from_problems(cls, problems: Sequence[Problem]) -> RaiAuditError:
        """Build one error that reports several problems together."""
        first = problems[0]
        err = first.error(first.where, first.expected, first.got, first.fix)
        if len(problems) > 1:
            lines = "\n".join(f"  {i}. {p}" for i, p in enumerate(problems, 1))
            err.args = (f"{len(problems)} problems found:\n{lines}",)
        err.problems = tuple(problems)
        return err


class DataValidationError(RaiAuditError):
    """A table, its target or its sensitive features cannot be audited as given."""


class MissingColumnError(DataValidationError):
    """A named column (target, sensitive feature, feature) is not in the table."""


class EmptyTableError(DataValidationError):
    """The table has no rows."""


class TargetNotBinaryError(DataValidationError):
    """The target has more than two distinct values."""


class SingleClassTargetError(DataValidationError):
    """The target has only one class, so no classifier can be trained or audited."""


class SingleGroupSensitiveError(DataValidationError):
    """A sensitive feature has a single group, so there is nothing to compare."""


class NonFiniteValueError(DataValidationError):
    """A column holds NaN, missing or infinite values."""


class UnknownFeatureError(MissingColumnError):
    """A feature named in a call or a config (to perturb, to slice on, to change) is not one of
    the model's features. Robustness, error analysis and counterfactuals raise this one class."""


class GroupInputError(DataValidationError):
    """Labels, predictions, scores or sensitive features cannot be counted per group as given.

    The checks of :mod:`audit.core` that fairness, error analysis, robustness and the training
    callbacks share raise its subclasses (``audit.fairness.FairnessInputError`` is this class).
    """


class SensitiveFeatureMissingError(GroupInputError, MissingColumnError):
    """A sensitive feature named in the call or the config is not among the columns given."""


class SingleGroupError(GroupInputError, SingleGroupSensitiveError):
    """A sensitive feature holds a single value: there is nothing to compare."""


class LengthMismatchError(GroupInputError):
    """y_true, y_pred, y_score and the sensitive features do not have the same number of rows."""


class NotBinaryError(GroupInputError):
    """Labels or predictions hold values other than 0 and 1."""


class ProbabilityRangeError(GroupInputError):
    """Scores are not probabilities in [0, 1] (or are NaN)."""


class MissingSensitiveValueError(GroupInputError, NonFiniteValueError):
    """A sensitive feature has missing values and no explicit policy was chosen."""


class TooManyGroupsError(GroupInputError):
    """An intersection of sensitive features has more groups than the configured maximum."""


class ConfigError(RaiAuditError):
    """An audit configuration is malformed: unknown key, wrong type, missing file."""


class ModelInputMismatchError(RaiAuditError):
    """The model's input width does not match the encoded data."""


class TokenizerModelMismatchError(ModelInputMismatchError):
    """The tokenizer's vocabulary does not fit the model's embedding table."""


class MissingTextModelError(ConfigError):
    """A pretrained text model (or tokenizer) folder is missing or incomplete."""


class OutputPathError(RaiAuditError):
    """An output path cannot be written."""


class ResultFormatError(RaiAuditError):
    """A saved result is malformed, truncated or from an unsupported schema version."""


def raise_problems(problems: Iterable[Problem]) -> None:
    """Raise one error listing every problem, or return when there are none."""
    problems = list(problems)
    if problems:
        raise RaiAuditError.from_problems(problems)


def suggest(name: str, choices: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for a close match of ``name`` among ``choices``, else ``""``."""
    match = get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" Did you mean {match[0]!r}?" if match else ""
