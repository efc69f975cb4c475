"""``rai-audit validate`` on the data: the table's header and a sample read against the
config, every problem reported together, before any training.

Unknown column names (target, sensitive features, ``numeric``, ``categorical``,
``drop_columns``) with the nearest existing names, labels that are not values of the target,
a target that is not binary, sensitive numeric columns without bins, and feature columns of an
unusable type (numbers stored as text, mixed types, empty columns) are gathered into one error.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from audit._safe_text import for_terminal
from audit.data._read import column_type_problems, read_table
from audit.data._tabular import MAX_UNBINNED_GROUPS
from audit.data._validation import target_problems
from audit.errors import (
    DataValidationError,
    LabelNotFoundError,
    MissingColumnError,
    Problem,
    raise_problems,
    suggest,
)

#: Rows of each file whose types are checked.
SAMPLE_ROWS = 5000


def _files(data: Any) -> list[tuple[str, Any]]:
    if data.path is not None:
        return [("data", data.path)]
    return [(k.removesuffix("_path"), getattr(data, k)) for k in ("train_path", "test_path")
            if getattr(data, k)]


def _label_problem(column: pd.Series, key: str, label: Any, where: str) -> list[Problem]:
    values = list(column.dropna().unique())
    text = {str(v) for v in values} | {str(v).lower() for v in values}
    if label is None or label in values or str(label) in text or str(label).lower() in text:
        return []
    fix = f"set data.{key} to one of {sorted(map(str, values))}"
    if isinstance(label, bool):
        fix += " (YAML reads a bare yes/no/true/false as a boolean: quote the label, \"yes\")"
    return [Problem(LabelNotFoundError, f"data.{key}", f"a value of the target {where}",
                    repr(label), fix + "." + suggest(str(label), map(str, values)))]


def table_problems(frame: pd.DataFrame, data: Any, table_name: str) -> list[Problem]:
    """Every problem of one raw table read against the ``data`` block of a config."""
    columns = [str(c) for c in frame.columns]
    shown = f"columns {columns}"
    problems: list[Problem] = []
    names = [("target", [data.target]), ("sensitive feature", data.sensitive_features),
             ("numeric", data.numeric or []), ("categorical", data.categorical or []),
             ("drop_columns", data.drop_columns)]
    for role, listed in names:
        for name in listed:
            if name not in frame.columns:
                problems.append(Problem(
                    MissingColumnError, f"{table_name}[{for_terminal(name)!r}]",
                    f"a {role} column named {for_terminal(name)!r}", shown,
                    "rename the column or fix the name in the config." + suggest(name, columns)))
    where = f"{table_name}[{data.target!r}]"
    if data.target in frame.columns:
        target = frame[data.target]
        problems += target_problems(target, data.target, table_name)
        problems += _label_problem(target, "positive_label", data.positive_label, where)
        problems += _label_problem(target, "favourable_label", data.favourable_label, where)
    for name in data.sensitive_features:
        if name in frame.columns and name not in data.sensitive_bins and (
                pd.api.types.is_numeric_dtype(frame[name])
                and frame[name].nunique() > MAX_UNBINNED_GROUPS):
            problems.append(Problem(
                DataValidationError, f"sensitive feature {name!r}",
                f"a categorical feature or one with at most {MAX_UNBINNED_GROUPS} values",
                f"a numeric column with {frame[name].nunique()} distinct values",
                f"give bin edges, e.g. sensitive_bins: {{{name}: [25, 45, 65]}}"))
    excluded = {data.target, *data.drop_columns}
    features = [c for c in frame.columns if c not in excluded]
    inferred = data.numeric is None and data.categorical is None
    sample = frame.iloc[:SAMPLE_ROWS]
    problems += column_type_problems(sample, numeric=[c for c in data.numeric or [] if c in
                                                      frame.columns],
                                     inferred=features if inferred else (),
                                     table_name=table_name)
    return problems


def config_data_problems(config: Any) -> list[Problem]:
    """Problems of the table(s) a ``csv`` config names, read as the run would read them
    (empty for other loaders). Files that cannot be read at all raise their typed error."""
    data = config.data
    if data.loader != "csv":
        return []
    problems: list[Problem] = []
    for key, path in _files(data):
        frame = read_table(path, encoding=data.encoding, delimiter=data.delimiter,
                           thousands=data.thousands)
        problems += table_problems(frame, data, key)
    return problems


def check_config_data(config: Any) -> None:
    """Raise one typed error listing every problem :func:`config_data_problems` finds."""
    raise_problems(config_data_problems(config))


__all__ = ["SAMPLE_ROWS", "check_config_data", "config_data_problems", "table_problems"]
