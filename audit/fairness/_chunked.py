"""Fairness counts over data too big for memory on one machine: parquet in record batches.

Count metrics need only the counts per (group, y_true, y_pred) cell, and counts add up, so a
table of any size is counted one record batch at a time (pyarrow's dataset scanner reads the
needed columns only) and merged; groups are discovered as batches arrive. Memory is bounded by
the batch size, not the table. Tests prove the counts equal
:meth:`GroupCounts.from_predictions` on the whole table. Tables spread over several machines
are counted by their own engine (Spark, Dask): see :mod:`audit.predictions`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from audit.core import MISSING_GROUP, GroupCounts, NanPolicy, binary_array, label_sort_key
from audit.errors import GroupInputError, SensitiveFeatureMissingError


def _group_key(group: tuple[str, ...]) -> tuple:
    """In-memory order: labels naturally, the missing-value group last within each feature."""
    return tuple((label == MISSING_GROUP, label_sort_key(label)) for label in group)


class _Accumulator:
    """Counts per group tuple, merged batch after batch."""

    def __init__(self, features: tuple[str, ...]) -> None:
        self.features = features
        self.cells: dict[tuple[str, ...], np.ndarray] = {}
        self.n_dropped = 0

    def add(self, part: GroupCounts) -> None:
        self.n_dropped += part.n_dropped
        for group, counts in zip(part.groups, part.counts):
            if counts.any():
                if group in self.cells:
                    self.cells[group] += counts
                else:
                    self.cells[group] = counts.copy()

    def result(self) -> GroupCounts:
        groups = sorted(self.cells, key=_group_key)
        counts = (np.stack([self.cells[g] for g in groups]) if groups
                  else np.zeros((0, 2, 2), dtype=np.int64))
        return GroupCounts(self.features, tuple(groups), counts, self.n_dropped)


def _sensitive_column(batch: Any, name: str) -> pd.Series:
    """A record-batch column as a pandas categorical (dictionary-encoded by arrow: fast)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    column = batch.column(name)
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column)
    codes = pc.fill_null(column.indices, -1).to_numpy(zero_copy_only=False)
    categories = column.dictionary.to_pandas()
    if categories.duplicated().any():  # not expected from arrow; keep factorize's semantics
        return pd.Series(column.to_pandas(), name=name)
    return pd.Series(pd.Categorical.from_codes(codes, categories=categories), name=name)


def _dictionary_counts(batch: Any, truth: np.ndarray, pred: np.ndarray,
                       features: tuple[str, ...], nan_policy: str) -> GroupCounts | None:
    """Counts straight from arrow dictionary indices: one mixed-radix key, one ``bincount``.

    The same groups and labels as the pandas route (``str`` of each dictionary value, the
    missing group last); ``None`` (use the pandas route) for what it does not cover: missing
    values under ``nan_policy="error"`` (so the usual error is raised), NaN or duplicate labels,
    or more than 2**20 label combinations.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    key: np.ndarray | None = None
    dropped: np.ndarray | None = None
    labels_per_feature: list[list[str]] = []
    for name in features:
        column = batch.column(name)
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        if not pa.types.is_dictionary(column.type):
            column = pc.dictionary_encode(column)
        values = column.dictionary.to_pylist()
        labels = [str(v) for v in values]
        if any(v is None or v != v for v in values) or len(set(labels)) != len(labels):
            return None
        if column.null_count:
            if nan_policy == "error":
                return None
            codes = pc.fill_null(column.indices, -1).to_numpy().astype(np.int64)
            missing = codes < 0
            if nan_policy == "own_group":
                codes[missing] = len(labels)
                labels = [*labels, MISSING_GROUP]
            else:
                codes[missing] = 0
                dropped = missing if dropped is None else dropped | missing
        else:
            codes = column.indices.to_numpy().astype(np.int64)
        labels_per_feature.append(labels)
        key = codes if key is None else key * len(labels) + codes
    total = int(np.prod([len(labels) for labels in labels_per_feature], dtype=np.float64))
    if key is None or total > 1 << 20:
        return None
    cell = key * 4 + (truth.astype(np.int64) * 2 + pred)
    n_dropped = 0
    if dropped is not None and dropped.any():
        cell, n_dropped = cell[~dropped], int(dropped.sum())
    counts = np.bincount(cell, minlength=4 * total).reshape(total, 2, 2)
    groups = tuple(itertools.product(*labels_per_feature))
    return GroupCounts(features, groups, counts, n_dropped)


def _binary_column(batch: Any, name: str) -> np.ndarray:
    column = batch.column(name)
    if column.null_count:
        raise GroupInputError(f"column {name!r}", "a 0/1 label on every row",
                                 f"{column.null_count:,} missing values",
                                 "drop or fill the rows without a label before counting")
    return column.to_numpy(zero_copy_only=False)


def _check_columns(names: Sequence[str], available: Sequence[str]) -> None:
    for name in names:
        if name not in available:
            raise SensitiveFeatureMissingError(
                f"column {name!r}", f"one of the columns {list(available)}", "no such column",
                "check the column names of the parquet files")


def count_record_batches(batches: Iterable[Any], *, y_true: str, sensitive: Sequence[str],
                         y_pred: str | None = None, score: str | None = None,
                         threshold: float = 0.5,
                         nan_policy: NanPolicy = "error") -> GroupCounts:
    """Counts per (group, y_true, y_pred) over pyarrow record batches (or tables / DataFrames).

    Parameters
    ----------
    batches : iterable of pyarrow.RecordBatch, pyarrow.Table or pandas.DataFrame
    y_true : str
        Column of 0/1 labels.
    sensitive : sequence of str
        Sensitive feature columns; several give their intersection.
    y_pred, score : str
        Exactly one: a column of 0/1 predictions, or of scores predicted positive when
        ``score >= threshold``.
    threshold : float
    nan_policy : {"error", "own_group", "drop"}

    Returns
    -------
    GroupCounts
        The groups that occur, in the same order as an in-memory count.

    Examples
    --------
    >>> frame = pd.DataFrame({"y": [1, 0, 1], "p": [0.9, 0.2, 0.4], "sex": ["F", "M", "F"]})
    >>> c = count_record_batches([frame.iloc[:2], frame.iloc[2:]], y_true="y", score="p",
    ...                          sensitive=["sex"])
    >>> c.names, c.counts[0].tolist()
    (('F', 'M'), [[0, 0], [1, 1]])
    """
    import pyarrow as pa

    if (y_pred is None) == (score is None):
        raise GroupInputError("y_pred / score", "exactly one of a prediction or a score column",
                                 "both" if y_pred else "neither",
                                 "pass y_pred='pred' or score='proba' (with threshold)")
    features = tuple(str(s) for s in sensitive)
    acc = _Accumulator(features)
    for batch in batches:
        if isinstance(batch, pd.DataFrame):
            batch = pa.Table.from_pandas(batch, preserve_index=False)
        _check_columns([y_true, y_pred or score, *features], batch.schema.names)
        if batch.num_rows == 0:
            continue
        truth = _binary_column(batch, y_true)
        if score is not None:
            pred = (_binary_column(batch, score) >= threshold).astype(np.int8)
        else:
            pred = _binary_column(batch, y_pred)
        truth, pred = binary_array(y_true, truth), binary_array(y_pred or "y_pred", pred)
        part = _dictionary_counts(batch, truth, pred, features, nan_policy)
        if part is None:
            frame = pd.DataFrame({name: _sensitive_column(batch, name) for name in features})
            part = GroupCounts.from_predictions(truth, pred, frame, nan_policy=nan_policy,
                                                require_two_groups=False)
        acc.add(part)
    return acc.result()


def count_parquet(source: str | Path | Sequence[str | Path] | Any, *, y_true: str,
                  sensitive: Sequence[str], y_pred: str | None = None, score: str | None = None,
                  threshold: float = 0.5, nan_policy: NanPolicy = "error",
                  batch_size: int = 1 << 20) -> GroupCounts:
    """Fairness counts over parquet files, read in record batches of ``batch_size`` rows.

    Parameters
    ----------
    source : path, list of paths or pyarrow.dataset.Dataset
        A parquet file, a directory of them, or a dataset.
    y_true, sensitive, y_pred, score, threshold, nan_policy
        As :func:`count_record_batches`.
    batch_size : int
        Rows per record batch: memory is bounded by a few batches of the needed columns.

    Returns
    -------
    GroupCounts
    """
    import pyarrow.dataset as ds

    columns = [c for c in (y_true, y_pred, score, *sensitive) if c is not None]
    dataset = source if isinstance(source, ds.Dataset) else ds.dataset(source, format="parquet")
    _check_columns(columns, dataset.schema.names)

    def batches():  # one file at a time: memory stays a few batches of the needed columns
        for fragment in dataset.get_fragments():
            yield from fragment.to_batches(columns=columns, batch_size=batch_size)

    return count_record_batches(batches(), y_true=y_true, sensitive=sensitive, y_pred=y_pred,
                                score=score, threshold=threshold, nan_policy=nan_policy)
