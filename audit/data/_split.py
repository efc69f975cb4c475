"""One table split into training and test rows by the tool: seeded and stratified.

Rows are stratified on the target and the sensitive features together, so that every group
keeps its share of each label on both sides (a small group is not left out of the test rows
by chance). A stratum too small to be split (fewer than 2 rows, or fewer rows than it needs
on each side) joins one "rare" stratum; when the split is still impossible, it is stratified
on the target alone, then not at all. What it was stratified on is stated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from audit.errors import ConfigError, SplitTooSmallError

#: Numeric sensitive columns with more distinct values than this are not stratified on
#: unless binned (``sensitive_bins``).
MAX_STRATUM_VALUES = 12
_RARE = "\x1erare"


@dataclass(frozen=True)
class TableSplit:
    """Training and test rows of one table, and how they were split."""

    train: pd.DataFrame
    test: pd.DataFrame
    description: str


def _strata(frame: pd.DataFrame, target: str, sensitive: Sequence[str],
            bins: Mapping[str, Sequence[float]]) -> tuple[pd.Series, list[str]]:
    parts, used = [frame[target].astype(str)], [target]
    for name in sensitive:
        if name not in frame.columns or name == target:
            continue
        column = frame[name]
        if name in bins:
            edges = np.sort(np.asarray(bins[name], dtype=float))
            column = pd.Series(np.searchsorted(edges, column.to_numpy(float), side="right"),
                               index=frame.index)
        elif column.nunique() > MAX_STRATUM_VALUES:
            continue
        parts.append(column.astype(str))
        used.append(name)
    key = parts[0]
    for part in parts[1:]:
        key = key + "\x1f" + part
    return key, used


def _try_split(index: np.ndarray, strata: pd.Series | None, test_fraction: float,
               seed: int) -> tuple[np.ndarray, np.ndarray] | None:
    try:
        return train_test_split(index, test_size=test_fraction, random_state=seed,
                                stratify=None if strata is None else strata.to_numpy())
    except ValueError:  # a stratum too small for its share on both sides
        return None


def split_table(frame: pd.DataFrame, *, target: str, sensitive_features: Sequence[str] = (),
                test_fraction: float = 0.25, seed: int = 0,
                sensitive_bins: Mapping[str, Sequence[float]] | None = None) -> TableSplit:
    """Split one raw table into training and test rows (seeded, stratified).

    Parameters
    ----------
    frame : pandas.DataFrame
        The whole table, one row per person.
    target : str
    sensitive_features : sequence of str
        Stratified on with the target (numeric ones with many values only when binned).
    test_fraction : float
        Share of rows in the test split, in (0, 1).
    seed : int
    sensitive_bins : mapping, optional
        Bin edges of numeric sensitive features (as ``data.sensitive_bins``).

    Returns
    -------
    TableSplit
        Rows in their original order on each side; ``description`` says how it was split.

    Raises
    ------
    ConfigError
        ``test_fraction`` outside (0, 1), or the target is not a column.
    SplitTooSmallError
        Too few rows for a test split of that size.

    Examples
    --------
    >>> df = pd.DataFrame({"y": [0, 1] * 20, "g": ["a"] * 30 + ["b"] * 10})
    >>> s = split_table(df, target="y", sensitive_features=["g"], test_fraction=0.25)
    >>> len(s.train), len(s.test), int((s.test["g"] == "b").sum())
    (30, 10, 2)
    """
    if not 0.0 < float(test_fraction) < 1.0:
        raise ConfigError("data.test_fraction", "a share of rows strictly between 0 and 1",
                          repr(test_fraction), "use e.g. test_fraction: 0.25")
    if target not in frame.columns:
        from audit.errors import suggest

        raise ConfigError("data.target", f"a column of the table ({list(map(str, frame.columns))})",
                          repr(target), "fix the target name." + suggest(target, frame.columns))
    n = len(frame)
    n_test = int(np.ceil(test_fraction * n))
    if n_test < 2 or n - n_test < 2:
        raise SplitTooSmallError("data.test_fraction", "at least 2 rows on each side of the split",
                                 f"{n_test} test and {n - n_test} training rows of {n:,}",
                                 "add rows, or pass train and test tables yourself")
    strata, used = _strata(frame, target, sensitive_features, dict(sensitive_bins or {}))
    counts = strata.map(strata.value_counts())
    # a stratum needs a row on each side: those too small are pooled as one
    need = max(2, int(np.ceil(1 / min(test_fraction, 1 - test_fraction))))
    pooled = strata.where(counts >= need, _RARE)
    index = np.arange(n)
    attempts = [(pooled, " x ".join(used)), (frame[target].astype(str), target), (None, "")]
    for key, what in attempts:
        found = _try_split(index, key, test_fraction, seed)
        if found is not None:
            train_idx, test_idx = (np.sort(found[0]), np.sort(found[1]))
            how = f"stratified on {what}" if what else "not stratified (classes too small)"
            n_rare = int((pooled == _RARE).sum()) if key is pooled else 0
            if n_rare:
                how += f" ({n_rare} rows of strata too small to split pooled)"
            return TableSplit(
                train=frame.iloc[train_idx], test=frame.iloc[test_idx],
                description=(f"split by rai-audit: {len(train_idx):,} training / "
                             f"{len(test_idx):,} test rows (test_fraction {test_fraction:g}, "
                             f"seed {seed}), {how}"))
    raise SplitTooSmallError("data.test_fraction", "a split the table's classes allow",  # pragma: no cover
                             f"{n:,} rows", "pass train and test tables yourself")


__all__ = ["TableSplit", "split_table"]
