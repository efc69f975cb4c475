"""Finding quasi-identifiers: how identifying each column and each pair of columns is.

A column's own uniqueness says little (age alone identifies nobody); what matters is what it
adds to a combination. For the chosen quasi-identifiers we measure the unique share of the set
without each one (leave-one-out); for every other column, the unique share with it added. A
column that raises it by at least :data:`CANDIDATE_GAIN` is flagged as a candidate
quasi-identifier, one whose values are (almost) all distinct as a direct identifier.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from audit.data_privacy._classes import column_codes, combine_codes
from audit.result import ColumnRisk, CombinationRisk

#: Unique-share gain (absolute) above which a column not in the QI set is flagged a candidate.
CANDIDATE_GAIN = 0.01
#: A column whose distinct values cover at least this share of rows is a direct identifier.
DIRECT_IDENTIFIER_RATIO = 0.9
#: Pairs are ranked over at most this many columns (the most identifying ones first).
MAX_PAIR_COLUMNS = 16


def _unique_share(codes: dict[str, tuple[np.ndarray, int]], columns: Sequence[str], n: int
                  ) -> tuple[float, int, int]:
    if not columns or not n:
        return (0.0 if n != 1 else 1.0), (1 if n else 0), n
    inverse, n_classes = combine_codes([codes[c][0] for c in columns],
                                       [codes[c][1] for c in columns], n)
    sizes = np.bincount(inverse, minlength=n_classes)
    return float((sizes == 1).sum() / n), n_classes, int(sizes.min())


def column_risks(frame: pd.DataFrame, quasi_identifiers: Sequence[str],
                 sensitive: str | None = None) -> tuple[ColumnRisk, ...]:
    """One :class:`ColumnRisk` per column, QIs first, then by how identifying they are."""
    n = len(frame)
    qis = list(quasi_identifiers)
    codes = {c: column_codes(frame[c]) for c in frame.columns}
    base, _, _ = _unique_share(codes, qis, n)
    rows = []
    for column in frame.columns:
        own, _, _ = _unique_share(codes, [column], n)
        distinct = codes[column][1]
        ratio = distinct / n if n else 0.0
        without = with_ = None
        if column in qis:
            role = "quasi-identifier"
            without, _, _ = _unique_share(codes, [c for c in qis if c != column], n)
        elif column == sensitive:
            role = "sensitive"
        else:
            with_, _, _ = _unique_share(codes, [*qis, column], n)
            role = ("direct identifier" if ratio >= DIRECT_IDENTIFIER_RATIO
                    else "candidate" if with_ - base >= CANDIDATE_GAIN else "other")
        rows.append(ColumnRisk(column=str(column), distinct=int(distinct), distinct_ratio=ratio,
                               unique_share=own, role=role, unique_share_without=without,
                               unique_share_with=with_))
    rank = {"quasi-identifier": 0, "direct identifier": 1, "candidate": 2, "other": 3, "sensitive": 4}
    return tuple(sorted(rows, key=lambda r: (rank[r.role], -(r.unique_share_with or 0.0),
                                             -r.distinct_ratio)))


def combination_risks(frame: pd.DataFrame, quasi_identifiers: Sequence[str],
                      sensitive: str | None = None, top: int = 10) -> tuple[CombinationRisk, ...]:
    """The full QI set, then the ``top`` most identifying pairs of columns (sensitive excluded)."""
    n = len(frame)
    columns = [c for c in frame.columns if c != sensitive]
    codes = {c: column_codes(frame[c]) for c in frame.columns}
    # pairs among the columns with the most distinct values (bounded so wide tables stay fast),
    # direct identifiers left out: every pair with one of them is unique anyway
    pool = sorted((c for c in columns if codes[c][1] < DIRECT_IDENTIFIER_RATIO * n),
                  key=lambda c: -codes[c][1])[:MAX_PAIR_COLUMNS]
    pool = sorted(set(pool) | set(quasi_identifiers), key=list(frame.columns).index)
    out = []
    if quasi_identifiers:
        share, n_classes, k = _unique_share(codes, list(quasi_identifiers), n)
        out.append(CombinationRisk(columns=tuple(quasi_identifiers), n_classes=n_classes,
                                   unique_share=share, k=k))
    pairs = []
    for a, b in itertools.combinations(pool, 2):
        share, n_classes, k = _unique_share(codes, [a, b], n)
        pairs.append(CombinationRisk(columns=(str(a), str(b)), n_classes=n_classes,
                                     unique_share=share, k=k))
    pairs.sort(key=lambda c: (-c.unique_share, -c.n_classes, c.columns))
    return tuple(out + pairs[:top])
