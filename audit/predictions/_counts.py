"""Fairness counts from one engine group-by, and every partition's counts from them.

The engine groups the log by every sensitive column together (the finest groups), the label,
the decision and, with scores, the score's bin; the driver gets one row per occupied cell.
Each partition the audit reports (a feature alone, an intersection) is a sum of those cells,
so one pass over the log serves them all. Group labels and order come from the fairness
module's :func:`~audit.core.encode_groups` run on the cells, which is what it
does on rows, so the counts equal :meth:`GroupCounts.from_predictions` on the same rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import narwhals as nw
import numpy as np
import pandas as pd

from audit.core import FIX_MISSING_VALUES, GroupCounts, NanPolicy, encode_groups
from audit.errors import MissingSensitiveValueError
from audit.predictions._engines import INTERNAL, PredictionLog
from audit.predictions._spec import PRED, ROWS, LogSpec

BIN = f"{INTERNAL}bin"
SCORE_SUM = f"{INTERNAL}ssum"


def score_bin(score: str, n_bins: int) -> nw.Expr:
    """Bin ``floor(score * n_bins)`` of ``n_bins`` equal bins of [0, 1), closed on the left,
    plus bin ``n_bins`` for scores of exactly 1.0 (as the fairness module's score histogram);
    named :data:`BIN`."""
    return ((nw.col(score).cast(nw.Float64) * n_bins).floor().clip(0, n_bins)
            .cast(nw.Int64).alias(BIN))


@dataclass(frozen=True, eq=False)
class Cells:
    """Rows per occupied cell of (keys..., label, decision[, score bin]) on the driver.

    Attributes
    ----------
    keys : pandas.DataFrame
        The cell's value of each key column (sensitive features, window parts...).
    y, pred : numpy.ndarray
        0/1 label and decision of each cell.
    n : numpy.ndarray
        int64 rows in each cell.
    bin : numpy.ndarray or None
        Score bin of each cell (with scores).
    score_sum : numpy.ndarray or None
        Sum of the scores of the cell's rows.
    n_bins : int
    """

    keys: pd.DataFrame
    y: np.ndarray
    pred: np.ndarray
    n: np.ndarray
    bin: np.ndarray | None = None
    score_sum: np.ndarray | None = None
    n_bins: int = 0

    def subset(self, mask: np.ndarray) -> Cells:
        return Cells(self.keys[mask].reset_index(drop=True), self.y[mask], self.pred[mask],
                     self.n[mask], None if self.bin is None else self.bin[mask],
                     None if self.score_sum is None else self.score_sum[mask], self.n_bins)

    @property
    def n_rows(self) -> int:
        return int(self.n.sum())


def count_cells(log: PredictionLog, spec: LogSpec, keys: Mapping[str, nw.Expr], *,
                name: str, limit: int, n_bins: int = 0) -> Cells:
    """One engine group-by: rows (and score sums) per (keys, label, decision[, bin]).

    ``keys`` maps each key column's name to its expression; ``n_bins > 0`` (with a score)
    adds the score bin and the sum of scores per cell.
    """
    names = list(keys)
    exprs = [expr.alias(key) for key, expr in keys.items()]
    extra = [spec.decision()]
    aggs = [nw.len().alias(ROWS)]
    binned = n_bins > 0 and spec.score is not None
    if binned:
        extra.append(score_bin(spec.score, n_bins))
        extra.append(nw.col(spec.score).cast(nw.Float64).alias(SCORE_SUM))
        aggs.append(nw.col(SCORE_SUM).sum())
    group = [*names, spec.label, PRED] + ([BIN] if binned else [])
    query = log.frame.select(*exprs, nw.col(spec.label), *extra).group_by(group).agg(*aggs)
    table = log.collect(query, name=name, limit=limit, fix=(
        "audit fewer sensitive features at once, merge rare values into one group, or lower "
        "score_bins; or raise max_counts_rows if the driver has the memory"))
    y, pred = spec.encode(table)
    return Cells(keys=table[names].reset_index(drop=True), y=y, pred=pred,
                 n=table[ROWS].to_numpy().astype(np.int64),
                 bin=table[BIN].to_numpy().astype(np.intp) if binned else None,
                 score_sum=table[SCORE_SUM].to_numpy().astype(np.float64) if binned else None,
                 n_bins=n_bins if binned else 0)


@dataclass(frozen=True, eq=False)
class PartitionCells:
    """A partition's counts and the group code of every cell (-1: dropped)."""

    counts: GroupCounts
    codes: np.ndarray


def partition_counts(cells: Cells, features: Sequence[str], *, nan_policy: NanPolicy = "error",
                     max_groups: int | None = None,
                     require_two_groups: bool = True) -> PartitionCells:
    """Counts per (group, y_true, y_pred) of the intersection of ``features``, from cells.

    Raises
    ------
    MissingSensitiveValueError, SingleGroupError, TooManyGroupsError
        As the in-memory count does, with row counts.
    """
    frame = cells.keys[list(features)]
    if nan_policy == "error":
        for name in features:
            missing = frame[name].isna().to_numpy()
            if missing.any():
                raise MissingSensitiveValueError(
                    f"sensitive feature {name!r}", "a group label on every row",
                    f"{int(cells.n[missing].sum()):,} missing values (NaN/None) in "
                    f"{cells.n_rows:,} rows", FIX_MISSING_VALUES)
    enc = encode_groups(frame, nan_policy=nan_policy, max_groups=max_groups,
                        require_two_groups=require_two_groups)
    kept = enc.codes >= 0
    key = enc.codes[kept] * 4 + cells.y[kept] * 2 + cells.pred[kept]
    counts = np.bincount(key, weights=cells.n[kept], minlength=4 * len(enc.groups))
    counts = np.rint(counts).astype(np.int64).reshape(len(enc.groups), 2, 2)
    return PartitionCells(
        GroupCounts(enc.features, enc.groups, counts, int(cells.n[~kept].sum())), enc.codes)
