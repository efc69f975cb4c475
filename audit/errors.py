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
    "ColumnTypeError",
    "ConfigError",
    "DataFileError",
    "DataValidationError",
    "DeviceError",
    "DiskFullError",
    "DuplicateColumnError",
    "EmptyTableError",
    "FileEncodingError",
    "GroupInputError",
    "InputTooLongError",
    "LengthMismatchError",
    "MissingColumnError",
    "MissingSensitiveValueError",
    "MissingTextModelError",
    "ModelCapabilityError",
    "ModelInputMismatchError",
    "ModelOutputError",
    "NonFiniteValueError",
    "NotBinaryError",
    "OutputLockedError",
    "OutputPathError",
    "OverwritesInputError",
    "ProbabilityRangeError",
    "Problem",
    "RaiAuditError",
    "ResultFormatError",
    "ResultSenseError",
    "SensitiveFeatureMissingError",
    "LabelNotFoundError",
    "SingleClassTargetError",
    "SingleGroupError",
    "SingleGroupSensitiveError",
    "SplitTooSmallError",
    "TargetNotBinaryError",
    "TokenizerModelMismatchError",
    "TooManyGroupsError",
    "UnknownFeatureError",
    "UnsafeWeightsError",
    "raise_problems",
    "suggest",
    "typed_from_validation",
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


class LabelNotFoundError(DataValidationError):
    """A label named in the config (``positive_label``, ``favourable_label``) is not a value of
    the target column."""


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


class DataFileError(DataValidationError):
    """A data file cannot be parsed as a table: wrong delimiter, truncated archive, bad rows."""


class FileEncodingError(DataFileError):
    """A file's bytes are not valid in the stated encoding (UTF-8 unless told otherwise)."""


class DuplicateColumnError(DataValidationError):
    """Two columns share one name (pandas would silently rename the second ``name.1``)."""


class ColumnTypeError(DataValidationError):
    """A column's values do not have the type its role needs: numbers stored as text, thousands
    separators, mixed types, a column with no values, values beyond float32."""


class SplitTooSmallError(DataValidationError):
    """A split cannot hold every class (or group) the stratified split and the audits need."""


class ConfigError(RaiAuditError):
    """An audit configuration is malformed: unknown key, wrong type, missing file."""


class InputTooLongError(ConfigError):
    """A user string (name, label, card text, column name) is longer than rai-audit accepts."""


class DeviceError(ConfigError):
    """The requested torch device does not exist on this machine."""


class UnsafeWeightsError(ConfigError):
    """Model weights would have to be unpickled (``pytorch_model.bin``) and that was not allowed."""


class ModelInputMismatchError(RaiAuditError):
    """The model's input width does not match the encoded data."""


class ModelOutputError(ModelInputMismatchError):
    """The model's output cannot be read as a binary classifier's (K > 2 classes without a
    chosen positive class, probabilities outside [0, 1], a wrong number of rows)."""


class ModelCapabilityError(ConfigError):
    """An enabled audit needs something the model cannot give (gradients for a gradient
    search, a trainer for reference models): refused when the run is validated, before any
    audit runs."""


class TokenizerModelMismatchError(ModelInputMismatchError):
    """The tokenizer's vocabulary does not fit the model's embedding table."""


class MissingTextModelError(ConfigError):
    """A pretrained text model (or tokenizer) folder is missing or incomplete."""


class OutputPathError(RaiAuditError):
    """An output path cannot be written."""


class DiskFullError(OutputPathError):
    """The file system holding an output folder ran out of space (or quota) during a write."""


class OutputLockedError(OutputPathError):
    """Another rai-audit run is writing into the same output folder."""


class OverwritesInputError(OutputPathError):
    """A command was asked to write its output over one of its own input files."""


class ResultFormatError(RaiAuditError):
    """A saved result is malformed, truncated or from an unsupported schema version."""


class ResultSenseError(ResultFormatError):
    """A saved result has the right shape but impossible values (a rate of 5, a negative count,
    an interval that excludes its estimate)."""


def typed_from_validation(exc: Exception) -> Exception:
    """The :class:`RaiAuditError` a pydantic validator raised inside ``exc`` (pydantic wraps it
    in a ``ValidationError``), or ``exc`` itself when there is none."""
    errors = getattr(exc, "errors", None)
    found = [e["ctx"]["error"] for e in (errors() if callable(errors) else [])
             if isinstance(e.get("ctx", {}).get("error"), RaiAuditError)]
    return RaiAuditError.from_problems([p for err in found for p in err.problems]) if found else exc


def raise_problems(problems: Iterable[Problem]) -> None:
    """Raise one error listing every problem, or return when there are none."""
    problems = list(problems)
    if problems:
        raise RaiAuditError.from_problems(problems)


def suggest(name: str, choices: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for a close match of ``name`` among ``choices``, else ``""``."""
    match = get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" Did you mean {match[0]!r}?" if match else ""
