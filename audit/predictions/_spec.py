"""What each column of a prediction log means, and the first query: is the log readable?

One small aggregate (rows per label value, with the score's and the timestamp's range) checks
every column the audit reads before any other work: labels binary with the favourable value
present, decisions in the labels' values, scores in [0, 1], no missing values where none may
be.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import narwhals as nw
import numpy as np
import pandas as pd

from audit.errors import EmptyTableError, Problem, raise_problems
from audit.predictions._engines import INTERNAL, PredictionLog
from audit.predictions._errors import LogConfigError, LogValueError

Window = Literal["day", "week", "month"]
#: Name of the decision column every query groups by (0/1 from a score, or the log's own).
PRED = f"{INTERNAL}pred"
ROWS = f"{INTERNAL}n"


def value_text(value: Any) -> str | None:
    """A label value as comparable text: ``1``, ``1.0`` and ``"1"`` all read ``"1"``; booleans
    ``"true"``/``"false"``; missing values ``None``.

    Examples
    --------
    >>> value_text(1.0), value_text(np.int8(0)), value_text(True), value_text("yes")
    ('1', '0', 'true', 'yes')
    """
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class LogSpec:
    """The columns of a prediction log and how to read them.

    Exactly one of ``score`` (probability of the favourable label; decision ``score >=
    threshold``) and ``prediction`` (the decision, in the labels' values) is set.
    """

    label: str
    favourable_label: str
    sensitive_features: tuple[str, ...]
    score: str | None = None
    prediction: str | None = None
    threshold: float = 0.5
    features: tuple[str, ...] = ()
    timestamp: str | None = None
    window: Window | None = None
    quasi_identifiers: tuple[str, ...] = ()
    privacy_sensitive: str | None = None

    def __post_init__(self) -> None:
        problems = []
        if (self.score is None) == (self.prediction is None):
            problems.append(Problem(
                LogConfigError, "score / prediction",
                "exactly one of a score column (probabilities) or a prediction column (decisions)",
                "both" if self.score else "neither", "pass score='proba' or prediction='decision'"))
        if not self.sensitive_features:
            problems.append(Problem(LogConfigError, "sensitive_features",
                                    "at least one sensitive column", "none",
                                    "name the columns holding the groups, e.g. ['sex', 'race']"))
        if self.window is not None and self.timestamp is None:
            problems.append(Problem(LogConfigError, "window", "a timestamp column to cut windows on",
                                    f"window {self.window!r} without a timestamp",
                                    "name the timestamp column, or drop the window"))
        if not 0.0 < self.threshold < 1.0:
            problems.append(Problem(LogConfigError, "threshold", "a number strictly between 0 and 1",
                                    repr(self.threshold), "use e.g. 0.5"))
        raise_problems(problems)

    def roles(self) -> dict[str, str | None]:
        """Column of each role (for the missing-column check)."""
        roles: dict[str, str | None] = {"label": self.label, "score": self.score,
                                        "prediction": self.prediction, "timestamp": self.timestamp,
                                        "privacy sensitive": self.privacy_sensitive}
        roles.update({f"sensitive feature {i + 1}": c for i, c in enumerate(self.sensitive_features)})
        roles.update({f"feature {i + 1}": c for i, c in enumerate(self.features)})
        roles.update({f"quasi-identifier {i + 1}": c for i, c in enumerate(self.quasi_identifiers)})
        return roles

    def decision(self) -> nw.Expr:
        """The decision each row got, as the engine computes it (named :data:`PRED`)."""
        if self.score is not None:
            return (nw.col(self.score).cast(nw.Float64) >= self.threshold).cast(nw.Int8).alias(PRED)
        return nw.col(self.prediction).alias(PRED)

    def encode(self, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """0/1 labels and decisions of a collected table's label and :data:`PRED` columns."""
        y = np.array([value_text(v) == self.favourable_label for v in table[self.label]],
                     dtype=np.intp)
        if self.score is not None:
            pred = table[PRED].to_numpy().astype(np.intp)
        else:
            pred = np.array([value_text(v) == self.favourable_label for v in table[PRED]],
                            dtype=np.intp)
        return y, pred


@dataclass(frozen=True)
class LogSummary:
    """What the first query found: rows, label values, score range, time range."""

    n_rows: int
    label_counts: dict[str, int]
    base_rate: float
    first_timestamp: Any = None
    last_timestamp: Any = None
    log_loss: float = float("nan")


_FIX_LABELS = ("map the labels to two values (e.g. 0/1) and name the favourable one with "
               "favourable_label")


def summarise(log: PredictionLog, spec: LogSpec) -> LogSummary:
    """Check every column the audit reads with one engine aggregate, reporting all problems.

    Raises
    ------
    LogColumnMissingError, LogValueError, EmptyTableError
    """
    log.check_columns(spec.roles())
    schema = log.schema
    problems = []
    if spec.score is not None and not schema[spec.score].is_numeric():
        problems.append(Problem(LogValueError, f"score column {spec.score!r}",
                                "numbers (probabilities in [0, 1])", f"dtype {schema[spec.score]}",
                                "name the probability column, or pass prediction= for decisions"))
    if spec.timestamp is not None and not schema[spec.timestamp].is_temporal():
        problems.append(Problem(LogValueError, f"timestamp column {spec.timestamp!r}",
                                "a date or datetime column", f"dtype {schema[spec.timestamp]}",
                                "parse it as a timestamp when writing the log"))
    raise_problems(problems)
    keys = [spec.label] + ([spec.prediction] if spec.prediction else [])
    # derived columns first, simple reductions after: every engine (pandas too) aggregates
    # plain columns natively
    derived = [nw.col(k) for k in keys]
    aggs = [nw.len().alias(ROWS)]
    if spec.score is not None:
        s = nw.col(spec.score).cast(nw.Float64)
        clipped = s.clip(1e-12, 1 - 1e-12)  # log loss as scikit-learn clips it
        derived += [s.alias(f"{INTERNAL}s"),
                    s.is_null().cast(nw.Int64).alias(f"{INTERNAL}snull"),
                    clipped.log().alias(f"{INTERNAL}ls"), (1 - clipped).log().alias(f"{INTERNAL}l1s")]
        aggs += [nw.col(f"{INTERNAL}s").min().alias(f"{INTERNAL}smin"),
                 nw.col(f"{INTERNAL}s").max().alias(f"{INTERNAL}smax"),
                 nw.col(f"{INTERNAL}snull").sum(), nw.col(f"{INTERNAL}ls").sum(),
                 nw.col(f"{INTERNAL}l1s").sum()]
    if spec.timestamp is not None:
        t = nw.col(spec.timestamp)
        derived += [t.alias(f"{INTERNAL}t"), t.is_null().cast(nw.Int64).alias(f"{INTERNAL}tnull")]
        aggs += [nw.col(f"{INTERNAL}t").min().alias(f"{INTERNAL}tmin"),
                 nw.col(f"{INTERNAL}t").max().alias(f"{INTERNAL}tmax"),
                 nw.col(f"{INTERNAL}tnull").sum()]
    table = log.collect(log.frame.select(*derived).group_by(keys).agg(*aggs), name="label values", limit=64,
                        fix="the label (and prediction) columns must hold two values: "
                            + _FIX_LABELS)
    n_rows = int(table[ROWS].sum())
    if n_rows == 0:
        raise EmptyTableError("prediction log", "at least one row", "0 rows",
                              "audit a log that has rows")
    labels = [value_text(v) for v in table[spec.label]]
    counts: dict[str, int] = {}
    for lab, n in zip(labels, table[ROWS]):
        counts[str(lab)] = counts.get(str(lab), 0) + int(n)
    problems = _label_problems(spec, labels, table)
    if spec.score is not None:
        smin = table[f"{INTERNAL}smin"].min()
        smax = table[f"{INTERNAL}smax"].max()
        nulls = int(table[f"{INTERNAL}snull"].sum())
        if nulls:
            problems.append(Problem(LogValueError, f"score column {spec.score!r}",
                                    "a probability on every row", f"{nulls:,} missing values",
                                    "drop or fill the rows without a score"))
        elif not (smin >= 0.0 and smax <= 1.0):
            problems.append(Problem(LogValueError, f"score column {spec.score!r}",
                                    "probabilities in [0, 1]", f"min {smin!r}, max {smax!r}",
                                    "log the probability of the favourable label, not a logit"))
    log_loss = float("nan")
    if spec.score is not None and not problems:
        favourable = np.array([lab == spec.favourable_label for lab in labels])
        total = np.where(favourable, table[f"{INTERNAL}ls"], table[f"{INTERNAL}l1s"]).sum()
        log_loss = float(-total / n_rows)
    first = last = None
    if spec.timestamp is not None:
        nulls = int(table[f"{INTERNAL}tnull"].sum())
        if nulls:
            problems.append(Problem(LogValueError, f"timestamp column {spec.timestamp!r}",
                                    "a time on every row", f"{nulls:,} missing values",
                                    "drop the rows without a time, or audit without a window"))
        first, last = table[f"{INTERNAL}tmin"].min(), table[f"{INTERNAL}tmax"].max()
    raise_problems(problems)
    return LogSummary(n_rows=n_rows, label_counts=counts,
                      base_rate=counts.get(spec.favourable_label, 0) / n_rows,
                      first_timestamp=first, last_timestamp=last, log_loss=log_loss)


def _label_problems(spec: LogSpec, labels: Sequence[str | None],
                    table: pd.DataFrame) -> list[Problem]:
    problems = []
    missing = int(table[ROWS][[lab is None for lab in labels]].sum())
    values = sorted({lab for lab in labels if lab is not None})
    if missing:
        problems.append(Problem(LogValueError, f"label column {spec.label!r}",
                                "a true label on every row", f"{missing:,} rows without one",
                                "drop the rows whose outcome is not known yet"))
    if len(values) > 2:
        problems.append(Problem(LogValueError, f"label column {spec.label!r}",
                                "two values (the favourable outcome and the other)",
                                f"{len(values)} values {values[:6]}", _FIX_LABELS))
    elif spec.favourable_label not in values:
        problems.append(Problem(LogValueError, "favourable_label",
                                f"one of the label values {values}",
                                repr(spec.favourable_label), "name the favourable label value"))
    if spec.prediction is not None:
        decisions = [value_text(v) for v in table[spec.prediction]]
        if any(d is None for d in decisions):
            problems.append(Problem(LogValueError, f"prediction column {spec.prediction!r}",
                                    "a decision on every row", "missing decisions",
                                    "drop or fill the rows without a decision"))
        unknown = sorted({d for d in decisions if d is not None} - set(values))
        if unknown:
            problems.append(Problem(LogValueError, f"prediction column {spec.prediction!r}",
                                    f"decisions in the label values {values}",
                                    f"other values {unknown[:6]}",
                                    "log decisions with the same values as the labels"))
    return problems
