"""Checks of raw tables that come before (and after) the split: labels, split sizes, coverage.

Errors where the data cannot be audited (duplicate column labels, a class too small for the
stratified validation split); warnings, stated in the result, where it can be audited but a
reader should know (categories seen only in the test split are encoded as all zeros; a group
present in one split only has no numbers in the other).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from audit._safe_text import MAX_NAME_LENGTH, check_length, for_terminal
from audit.data._read import duplicate_names
from audit.errors import DuplicateColumnError, SplitTooSmallError

#: How many unseen categories a warning names per column.
SHOWN_CATEGORIES = 5


def check_frames(frames: Mapping[str, pd.DataFrame]) -> None:
    """Refuse duplicate or over-long column labels (pandas returns a frame for ``df[name]`` when
    a label repeats, and every later step breaks on it).

    Raises
    ------
    DuplicateColumnError, InputTooLongError
    """
    for table_name, frame in frames.items():
        for column in frame.columns:
            check_length(str(column), f"{table_name}: column name", MAX_NAME_LENGTH)
        duplicates = duplicate_names(frame.columns)
        if duplicates:
            raise DuplicateColumnError(
                table_name, "unique column labels",
                "duplicates " + ", ".join(
                    f"{for_terminal(n)!r} (positions {', '.join(map(str, at))})"
                    for n, at in duplicates.items()),
                "rename or drop the repeated columns (df.loc[:, ~df.columns.duplicated()] "
                "keeps the first)")


def check_split_sizes(y: np.ndarray, validation_fraction: float, positive_label: str) -> None:
    """Refuse a training table too small for a stratified validation split.

    scikit-learn's ``train_test_split(stratify=y)`` needs every class at least twice and room
    for one row of each class on both sides; its own messages ("The least populated class in y
    has only 1 member") name neither the class nor the fix.

    Raises
    ------
    SplitTooSmallError
    """
    n = len(y)
    counts = {positive_label: int(y.sum()), f"not {positive_label}": int(n - y.sum())}
    small = {label: c for label, c in counts.items() if c < 2}
    if small:
        label, count = next(iter(small.items()))
        raise SplitTooSmallError(
            f"train (target class {for_terminal(label)!r})",
            "at least 2 training rows of each class (one for training, one for validation)",
            f"{count} row{'s' if count != 1 else ''} of that class among {n:,}",
            "add rows of that class, or merge rare classes before auditing")
    n_validation = math.ceil(validation_fraction * n)
    if n_validation < len(counts) or n - n_validation < len(counts):
        raise SplitTooSmallError(
            "data.validation_fraction",
            f"a validation split of at least {len(counts)} rows (one per class) and as many "
            "left for training", f"{n_validation} validation row(s) of {n:,} at fraction "
            f"{validation_fraction:g}",
            f"raise validation_fraction to at least {len(counts) / n:.3g}, or add rows")


def unseen_category_warnings(fitted_on: pd.DataFrame, others: Mapping[str, pd.DataFrame],
                             categorical: Sequence[str]) -> list[str]:
    """Warnings for categories of ``others``' categorical columns that the preprocessing never
    saw (they are one-hot encoded as all zeros)."""
    warnings = []
    for column in categorical:
        known = set(fitted_on[column].astype(str))
        for split_name, frame in others.items():
            values = frame[column].astype(str)
            unseen = values[~values.isin(known)]
            if unseen.empty:
                continue
            counts = unseen.value_counts()
            shown = ", ".join(f"{for_terminal(v)[:60]!r} ({c} row{'s' if c != 1 else ''})"
                              for v, c in counts.head(SHOWN_CATEGORIES).items())
            more = f" and {len(counts) - SHOWN_CATEGORIES} more" if len(counts) > SHOWN_CATEGORIES else ""
            warnings.append(
                f"{split_name} split: {len(unseen):,} row(s) of column {for_terminal(column)!r} have "
                f"categories never seen in training ({shown}{more}); they are encoded as all "
                "zeros (no category), so the model's answers for them rest on the other columns")
    return warnings


def group_coverage_warnings(train: pd.DataFrame, test: pd.DataFrame) -> list[str]:
    """Warnings for sensitive groups present in one split only (no numbers for them in the other)."""
    warnings = []
    for feature in train.columns:
        in_train, in_test = set(train[feature]), set(test[feature])
        for split_name, missing in (("test", sorted(in_train - in_test)),
                                    ("training", sorted(in_test - in_train))):
            if missing:
                shown = ", ".join(repr(for_terminal(g)[:60]) for g in missing[:SHOWN_CATEGORIES])
                warnings.append(
                    f"sensitive feature {for_terminal(feature)!r}: group(s) {shown} have no row in "
                    f"the {split_name} split, so no {'audit' if split_name == 'test' else 'training'}"
                    " number covers them there")
    return warnings
