"""Error-analysis slices from engine group-bys: every feature's levels, then one counts cube.

Each feature becomes integer codes inside the engine, exactly as
:func:`audit.error_analysis._slices.encode_feature` codes rows in memory:

* a category keeps its values (sorted), a number with at most ``n_bins`` values too;
* a number with more values is cut at its quantiles. Its value counts (one group-by) give the
  exact quantiles numpy computes on the rows; a number with more distinct values than
  ``max_levels`` is counted on a fine grid of ``GRID`` cells instead (with each cell's minimum
  and maximum), which gives the quantiles exactly when they fall on a single-valued cell and
  otherwise within one cell's width (said in the notes);
* missing values (null or NaN) are a level of their own.

Then one group-by over all codes, the label and the decision gives the counts cube, and every
slice of up to ``max_order`` features is a sum over it (:func:`slices_from_cube`), as
:func:`~audit.error_analysis.count_slices` sums rows. When the cube could exceed the driver's
limit, each combination's key is computed in the engine instead and the keys are stacked
(``unpivot``) into one group-by whose size is the number of slices.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import narwhals as nw
import numpy as np
import pandas as pd

from audit.error_analysis import MISSING, EncodedFeature, SliceCounts, fmt_number
from audit.predictions._engines import INTERNAL, PredictionLog
from audit.predictions._errors import CountsTableTooLargeError
from audit.predictions._spec import PRED, ROWS, LogSpec

GRID = 4096
VALUE = f"{INTERNAL}value"
#: Most rows of the joint value counts of every slice feature before coding in the engine.
JOINT_LIMIT = 200_000


@dataclass(frozen=True, eq=False)
class FeatureCode:
    """One feature's levels, and how to code a value: in the engine (``expr``) or on the
    driver (:meth:`codes`), with the same result.

    ``edges`` (binned numbers: code = edges below the value) or ``uniques`` (sorted values:
    code = position) define the levels; ``missing_code`` is the level of null/NaN, if any.
    """

    encoded: EncodedFeature
    expr: nw.Expr
    binned: bool
    exact: bool = True
    edges: np.ndarray | None = None
    uniques: tuple | None = None
    missing_code: int | None = None

    def codes(self, values: pd.Series) -> np.ndarray:
        """Codes of collected raw values (e.g. the rows of a joint value-count table)."""
        missing = values.isna().to_numpy()
        if self.edges is not None:
            x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            missing = missing | np.isnan(x)
            codes = np.searchsorted(self.edges, np.where(missing, 0.0, x), side="left")
        else:
            index = {v: i for i, v in enumerate(self.uniques)}
            codes = np.array([index.get(v, -1) if not m else -1
                              for v, m in zip(values.tolist(), missing)], dtype=np.intp)
        if missing.any():
            codes = np.where(missing, self.missing_code, codes)
        return codes.astype(np.intp)


def linear_quantiles(values: np.ndarray, counts: np.ndarray, qs: np.ndarray) -> np.ndarray:
    """``np.quantile(rows, qs)`` (linear interpolation) from sorted distinct ``values`` and
    their ``counts``, with numpy's own arithmetic (so the results are identical).

    Examples
    --------
    >>> rows = np.array([1., 1., 2., 5., 5., 5., 9.])
    >>> v, c = np.unique(rows, return_counts=True)
    >>> qs = np.array([0.2, 0.5, 0.8])
    >>> bool((linear_quantiles(v, c, qs) == np.quantile(rows, qs)).all())
    True
    """
    values = np.asarray(values, dtype=np.float64)
    cum = np.cumsum(counts)
    n = int(cum[-1])
    virtual = (n - 1) * np.asarray(qs, dtype=np.float64)
    previous = np.floor(virtual)
    following = previous + 1
    above = virtual >= n - 1
    previous[above] = n - 1
    following[above] = n - 1
    gamma = virtual - np.floor(virtual)
    a = values[np.searchsorted(cum, previous, side="right")]
    b = values[np.searchsorted(cum, np.minimum(following, n - 1), side="right")]
    diff = b - a
    out = a + diff * gamma
    return np.where(gamma >= 0.5, b - diff * (1 - gamma), out)


def _value_counts(log: PredictionLog, name: str, limit: int) -> pd.DataFrame:
    query = log.frame.group_by(name).agg(nw.len().alias(ROWS))
    return log.collect(query, name=f"levels of {name!r}", limit=limit, fix=(
        f"leave {name!r} out of the features, or map it to fewer values"))


def _missing(values: pd.Series) -> np.ndarray:
    return values.isna().to_numpy()


def _numeric_code(name: str, edges: np.ndarray, missing_code: int | None) -> nw.Expr:
    x = nw.col(name).cast(nw.Float64)
    code = nw.lit(0, dtype=nw.Int64)
    for e in edges:
        code = code + (x > float(e)).cast(nw.Int64)
    if missing_code is None:
        return code
    return nw.when(x.is_null() | x.is_nan()).then(nw.lit(missing_code, dtype=nw.Int64)).otherwise(code)


def _levels(name: str, conditions: list[str], labels: list[str], n_missing: int
            ) -> tuple[tuple[str, ...], tuple[str, ...], int | None]:
    missing_code = None
    if n_missing:
        missing_code = len(conditions)
        conditions = [*conditions, f"{name} is missing"]
        labels = [*labels, MISSING]
    return tuple(conditions), tuple(labels), missing_code


def _binned(name: str, edges: np.ndarray, n_missing: int) -> tuple[tuple, tuple, int | None]:
    e = [fmt_number(v) for v in edges]
    conditions = [f"{name} <= {e[0]}"]
    conditions += [f"{lo} < {name} <= {hi}" for lo, hi in zip(e[:-1], e[1:])]
    conditions.append(f"{name} > {e[-1]}")
    labels = [f"<= {e[0]}", *(f"({lo}, {hi}]" for lo, hi in zip(e[:-1], e[1:])), f"> {e[-1]}"]
    return _levels(name, conditions, labels, n_missing)


def _grid_edges(log: PredictionLog, name: str, qs: np.ndarray) -> tuple[np.ndarray, bool]:
    """Quantile edges of a number with too many values for exact value counts."""
    x = nw.col(name).cast(nw.Float64)
    finite = log.frame.filter(~(x.is_null() | x.is_nan()))
    ranges = log.collect(finite.select(x.min().alias("lo"), x.max().alias("hi")),
                         name=f"range of {name!r}", limit=1, fix="")
    lo, hi = float(ranges["lo"].iloc[0]), float(ranges["hi"].iloc[0])
    width = (hi - lo) / GRID if hi > lo else 1.0
    cell = ((x - lo) / width).floor().clip(0, GRID - 1).cast(nw.Int64).alias(VALUE)
    grid = log.collect(
        finite.select(cell, x.alias("x")).group_by(VALUE).agg(
            nw.len().alias(ROWS), nw.col("x").min().alias("lo"), nw.col("x").max().alias("hi")),
        name=f"grid of {name!r}", limit=GRID, fix="").sort_values(VALUE)
    counts = grid[ROWS].to_numpy().astype(np.int64)
    cum = np.cumsum(counts)
    n = int(cum[-1])
    virtual = (n - 1) * qs
    exact = True

    def element(i: np.ndarray) -> np.ndarray:
        nonlocal exact
        j = np.searchsorted(cum, i, side="right")
        low, high = grid["lo"].to_numpy()[j], grid["hi"].to_numpy()[j]
        rank = i - (cum[j] - counts[j])
        spread = np.maximum(counts[j] - 1, 1)
        exact = exact and bool((low == high).all())
        return low + (high - low) * rank / spread

    previous = np.minimum(np.floor(virtual), n - 1)
    a, b = element(previous), element(np.minimum(previous + 1, n - 1))
    gamma = virtual - np.floor(virtual)
    edges = np.unique(a + (b - a) * gamma)
    return edges, exact


def feature_code(name: str, values: pd.Series, counts: np.ndarray, *, numeric: bool,
                 n_bins: int) -> FeatureCode:
    """Levels of one feature from its value counts, exactly as
    :func:`~audit.error_analysis._slices.encode_feature` finds them on the rows."""
    counts = np.asarray(counts, dtype=np.int64)
    missing = _missing(values)
    floats = None
    if numeric:
        floats = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        missing = missing | np.isnan(floats)
    n_missing = int(counts[missing].sum())
    present, kept = values[~missing], counts[~missing]
    if numeric and len(present) > n_bins:
        order = np.argsort(floats[~missing], kind="stable")
        qs = np.linspace(0, 1, n_bins + 1)[1:-1]
        edges = np.unique(linear_quantiles(floats[~missing][order], kept[order], qs))
        return _binned_code(name, edges, n_missing)
    uniques = sorted(present.tolist())
    labels = [str(u) for u in uniques]
    conditions, labels, missing_code = _levels(name, [f"{name} = {v}" for v in labels], labels,
                                               n_missing)
    if numeric:  # sorted distinct numbers: a value's code is how many are below it
        edges = np.asarray(uniques[:-1], dtype=np.float64)
        expr = _numeric_code(name, edges, missing_code)
    else:
        edges = None
        expr = nw.col(name).replace_strict(uniques, list(range(len(uniques))),
                                           default=len(uniques), return_dtype=nw.Int64)
        if missing_code is not None:
            expr = (nw.when(nw.col(name).is_null())
                    .then(nw.lit(missing_code, dtype=nw.Int64)).otherwise(expr))
    return FeatureCode(EncodedFeature(name, np.empty(0, np.intp), conditions, labels), expr,
                       False, edges=edges, uniques=None if numeric else tuple(uniques),
                       missing_code=missing_code)


def _binned_code(name: str, edges: np.ndarray, n_missing: int, exact: bool = True) -> FeatureCode:
    conditions, labels, missing_code = _binned(name, edges, n_missing)
    return FeatureCode(EncodedFeature(name, np.empty(0, np.intp), conditions, labels),
                       _numeric_code(name, edges, missing_code), True, exact, edges=edges,
                       missing_code=missing_code)


def is_numeric(dtype) -> bool:
    return dtype.is_numeric() and dtype != nw.Boolean


def encode_features(log: PredictionLog, names: Sequence[str], *, n_bins: int,
                    max_levels: int = 20_000) -> list[FeatureCode]:
    """Levels and engine code expressions of each feature (one value-count query each)."""
    schema = log.schema
    out = []
    for name in names:
        numeric = is_numeric(schema[name])
        try:
            table = _value_counts(log, name, max_levels)
        except CountsTableTooLargeError:
            if not numeric:
                raise
            x = nw.col(name).cast(nw.Float64)
            nulls = log.collect(log.frame.select((x.is_null() | x.is_nan()).cast(nw.Int64)
                                                 .alias(ROWS)).select(nw.col(ROWS).sum()),
                                name=f"missing {name!r}", limit=1, fix="")
            qs = np.linspace(0, 1, n_bins + 1)[1:-1]
            edges, exact = _grid_edges(log, name, qs)
            out.append(_binned_code(name, edges, int(nulls[ROWS].iloc[0]), exact))
            continue
        out.append(feature_code(name, table[name], table[ROWS].to_numpy(), numeric=numeric,
                                n_bins=n_bins))
    return out


def joint_slices(log: PredictionLog, spec: LogSpec, names: Sequence[str], *, n_bins: int,
                 max_order: int, min_support: int, limit: int
                 ) -> tuple[list[FeatureCode], SliceCounts] | None:
    """Slices from one pass: rows per joint raw value of every feature (with label and
    decision), when that table fits under ``limit``; None otherwise.

    Each feature's value counts are sums over the joint table, so its levels are the ones
    :func:`encode_features` finds, and coding the joint table's values on the driver gives the
    counts cube the engine would. Not tried (None) when a feature is a float column: its
    values are usually continuous, and the joint table would only overflow.
    """
    schema = log.schema
    if any(schema[n].is_float() for n in names):
        return None
    query = (log.frame.select(*[nw.col(n) for n in names], nw.col(spec.label), spec.decision())
             .group_by([*names, spec.label, PRED]).agg(nw.len().alias(ROWS)))
    try:
        table = log.collect(query, name="slice values", limit=limit, fix="")
    except CountsTableTooLargeError:
        return None
    n = table[ROWS].to_numpy().astype(np.int64)
    codes = []
    for name in names:
        marginal = table.groupby(name, dropna=False, sort=False)[ROWS].sum()
        codes.append(feature_code(name, pd.Series(marginal.index, dtype=table[name].dtype),
                                  marginal.to_numpy(), numeric=is_numeric(schema[name]),
                                  n_bins=n_bins))
    y, pred = spec.encode(table)
    cube = np.stack([c.codes(table[name]) for c, name in zip(codes, names)], axis=1)
    slices = slices_from_cube([c.encoded for c in codes], cube, y, pred, n.astype(np.float64),
                              max_order=max_order, min_support=min_support)
    return codes, slices


def _code_name(j: int) -> str:
    return f"{INTERNAL}c{j}"


def combinations(n_features: int, max_order: int) -> list[tuple[int, ...]]:
    """Feature combinations in :func:`~audit.error_analysis.count_slices`'s order."""
    return [c for order in range(1, max_order + 1)
            for c in itertools.combinations(range(n_features), order)]


def slices_from_cube(features: Sequence[EncodedFeature], codes: np.ndarray, y: np.ndarray,
                     pred: np.ndarray, n: np.ndarray, *, max_order: int,
                     min_support: int) -> SliceCounts:
    """Every slice's counts from cells of the counts cube (``codes``: ``(cells, F)``)."""
    cell = y * 2 + pred
    total = np.rint(np.bincount(cell, weights=n, minlength=4)).astype(np.int64).reshape(2, 2)
    per_combo = {}
    for combo in combinations(len(features), max_order):
        key = np.zeros(len(cell), dtype=np.intp)
        for f in combo:
            key = key * features[f].n_levels + codes[:, f]
        size = math.prod(features[f].n_levels for f in combo)
        counts = np.bincount(key * 4 + cell, weights=n, minlength=size * 4)
        per_combo[combo] = np.rint(counts).astype(np.int64).reshape(-1, 2, 2)
    return assemble_slices(features, per_combo, total, max_order=max_order,
                           min_support=min_support)


def assemble_slices(features: Sequence[EncodedFeature], per_combo: dict, total: np.ndarray, *,
                    max_order: int, min_support: int) -> SliceCounts:
    """:class:`SliceCounts` from each combination's counts ``(levels..., 2, 2)`` flattened."""
    combos, combo_ids, level_rows, count_rows = [], [], [], []
    for combo in combinations(len(features), max_order):
        counts = per_combo[combo]
        keep = np.flatnonzero(counts.sum(axis=(1, 2)) >= min_support)
        if not len(keep):
            continue
        sizes = [features[f].n_levels for f in combo]
        levels = np.full((len(keep), max_order), -1, dtype=np.intp)
        levels[:, :len(combo)] = np.stack(np.unravel_index(keep, sizes), axis=1)
        combo_ids.append(np.full(len(keep), len(combos), dtype=np.intp))
        combos.append(combo)
        level_rows.append(levels)
        count_rows.append(counts[keep])
    if not combos:
        return SliceCounts(tuple(features), (), np.zeros(0, dtype=np.intp),
                           np.zeros((0, max_order), dtype=np.intp),
                           np.zeros((0, 2, 2), dtype=np.int64), total)
    return SliceCounts(tuple(features), tuple(combos), np.concatenate(combo_ids),
                       np.concatenate(level_rows), np.concatenate(count_rows).astype(np.int64),
                       total)


def count_log_slices(log: PredictionLog, spec: LogSpec, codes: Sequence[FeatureCode], *,
                     max_order: int, min_support: int, limit: int) -> SliceCounts:
    """Slice counts of the log: the cube when it fits under ``limit``, else stacked keys."""
    features = [c.encoded for c in codes]
    exprs = [c.expr.alias(_code_name(j)) for j, c in enumerate(codes)]
    cube_size = math.prod(f.n_levels for f in features) * 4
    base = log.frame.select(*exprs, nw.col(spec.label), spec.decision())
    if cube_size <= limit:
        names = [_code_name(j) for j in range(len(codes))]
        table = log.collect(base.group_by([*names, spec.label, PRED]).agg(nw.len().alias(ROWS)),
                            name="slice cube", limit=cube_size, fix="")
        y, pred = spec.encode(table)
        return slices_from_cube(features, table[names].to_numpy().astype(np.intp), y, pred,
                                table[ROWS].to_numpy().astype(np.float64),
                                max_order=max_order, min_support=min_support)
    combos = combinations(len(features), max_order)
    stacked_size = sum(math.prod(features[f].n_levels for f in c) for c in combos) * 4
    if stacked_size > limit:
        raise CountsTableTooLargeError(
            "error-analysis slices", f"at most {limit:,} slice cells on the driver",
            f"{stacked_size:,} possible cells", "search fewer features, lower max_order or "
            "n_bins, or raise max_counts_rows")
    keys = {}
    for k, combo in enumerate(combos):
        key = nw.lit(0, dtype=nw.Int64)
        for f in combo:
            key = key * features[f].n_levels + nw.col(_code_name(f))
        keys[f"{INTERNAL}k{k}"] = key
    stacked = (base.with_columns(**keys)
               .select(*keys, nw.col(spec.label), nw.col(PRED))
               .unpivot(on=list(keys), index=[spec.label, PRED], variable_name="combo",
                        value_name=VALUE)
               .group_by(["combo", VALUE, spec.label, PRED]).agg(nw.len().alias(ROWS)))
    table = log.collect(stacked, name="slices (stacked)", limit=stacked_size, fix="")
    y, pred = spec.encode(table)
    cell = y * 2 + pred
    rows = table[ROWS].to_numpy().astype(np.float64)
    combo_of = np.array([int(c[len(f"{INTERNAL}k"):]) for c in table["combo"]])
    values = table[VALUE].to_numpy().astype(np.intp)
    per_combo = {}
    total = None
    for k, combo in enumerate(combos):
        mine = combo_of == k
        size = math.prod(features[f].n_levels for f in combo)
        counts = np.bincount(values[mine] * 4 + cell[mine], weights=rows[mine], minlength=size * 4)
        per_combo[combo] = np.rint(counts).astype(np.int64).reshape(-1, 2, 2)
        if total is None:
            total = per_combo[combo].sum(axis=0)
    return assemble_slices(features, per_combo, total, max_order=max_order,
                           min_support=min_support)
