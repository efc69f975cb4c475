"""Checks a raw table before anything is fitted, gathering every problem before raising."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from audit._safe_text import for_terminal
from audit.data._read import where_rows
from audit.errors import (
    EmptyTableError,
    MissingColumnError,
    NonFiniteValueError,
    Problem,
    SingleClassTargetError,
    SingleGroupSensitiveError,
    TargetNotBinaryError,
    raise_problems,
    suggest,
)


def find_table_problems(
    frame: pd.DataFrame,
    *,
    target: str,
    sensitive_features: Sequence[str],
    feature_columns: Sequence[str],
    table_name: str = "table",
) -> list[Problem]:
    """Return every problem that stops ``frame`` from being audited (empty list when fine)."""
    problems: list[Problem] = []
    if len(frame) == 0:
        return [
            Problem(EmptyTableError, table_name, "at least one row", "0 rows",
                    "check the file path and any filters applied before loading")
        ]
    columns = list(map(str, frame.columns))
    for role, names in (("target", [target]), ("sensitive feature", sensitive_features),
                        ("feature", feature_columns)):
        for name in names:
            if name not in frame.columns:
                problems.append(Problem(
                    MissingColumnError, f"{table_name}[{name!r}]", f"a {role} column named {name!r}",
                    f"columns {columns}",
                    f"rename the column or change the {role} name in the config."
                    + suggest(name, columns),
                ))
    if target in frame.columns:
        problems.extend(target_problems(frame[target], target, table_name))
    for name in sensitive_features:
        if name in frame.columns:
            groups = frame[name].dropna().unique()
            if len(groups) < 2:
                problems.append(Problem(
                    SingleGroupSensitiveError, f"{table_name}[{name!r}]",
                    "a sensitive feature with at least two groups",
                    f"{len(groups)} group ({list(groups)[:1]})",
                    "choose a sensitive feature that varies in this data, or drop it from "
                    "sensitive_features",
                ))
    checked = [c for c in dict.fromkeys([target, *sensitive_features, *feature_columns])
               if c in frame.columns]
    for name in checked:
        problems.extend(_non_finite_problems(frame[name], name, table_name))
    return problems


def target_problems(column: pd.Series, name: str, table_name: str) -> list[Problem]:
    """What is wrong with a target column: more than two values, or a single class."""
    values = column.dropna().unique()
    if len(values) > 2:
        shown = sorted(map(str, values))[:6]
        return [Problem(
            TargetNotBinaryError, f"{table_name}[{name!r}]", "a binary target (two distinct values)",
            f"{len(values)} distinct values {shown}",
            "binarise the target before auditing, since rai-audit audits binary classifiers "
            "(e.g. df[target] = df[target] == 'the favourable class'); positive_label only picks "
            "which of two values is favourable",
        )]
    if len(values) < 2:
        return [Problem(
            SingleClassTargetError, f"{table_name}[{name!r}]", "both classes present in the target",
            f"only {list(map(str, values))}",
            "use data that contains positive and negative examples (check filters and the split)",
        )]
    return []


def _non_finite_problems(column: pd.Series, name: str, table_name: str) -> list[Problem]:
    missing = int(column.isna().sum())
    infinite = 0
    if pd.api.types.is_numeric_dtype(column):
        infinite = int(np.isinf(column.to_numpy(dtype="float64", na_value=np.nan)).sum())
    if missing == 0 and infinite == 0:
        return []
    bad = np.flatnonzero(column.isna().to_numpy() | (
        np.isinf(column.to_numpy(dtype="float64", na_value=np.nan))
        if pd.api.types.is_numeric_dtype(column) else False))
    kind = "missing" if pd.api.types.is_numeric_dtype(column) else "empty or missing cells"
    return [Problem(
        NonFiniteValueError, f"{table_name}[{for_terminal(str(name))!r}]",
        "finite, non-missing values", f"{missing} {kind} and {infinite} infinite values "
        f"(at {where_rows(column.index, bad)})",
        "impute or drop those rows before auditing (e.g. df.dropna(subset=[...])), or for a "
        "categorical column fill them with an explicit category such as 'Unknown'",
    )]


def validate_table(
    frame: pd.DataFrame,
    *,
    target: str,
    sensitive_features: Sequence[str],
    feature_columns: Sequence[str],
    table_name: str = "table",
    strict: bool = True,
) -> list[Problem]:
    """Validate a raw table; raise one typed error listing every problem.

    Parameters
    ----------
    frame : pandas.DataFrame
        The raw table, one row per person.
    target, sensitive_features, feature_columns
        Column names that must be present and clean.
    table_name : str
        Name used in messages (e.g. ``"train"``).
    strict : bool
        If False, return the problems instead of raising.

    Returns
    -------
    list of Problem
        Empty when the table is fine (always empty when ``strict``).

    Raises
    ------
    DataValidationError
        A subclass naming the first problem; the message lists all of them.
    """
    problems = find_table_problems(frame, target=target, sensitive_features=sensitive_features,
                                   feature_columns=feature_columns, table_name=table_name)
    if strict:
        raise_problems(problems)
    return problems
