"""Generalisation hierarchies and a search for the least lossy one that reaches a target k.

Hierarchies (level 0 is always the original value, the last level ``*`` suppresses the column):

- numeric: equal-width bins of growing width (age: 5, 10, 20 years), then ``*``;
- categorical: categories rarer than each frequency threshold merged into ``Other``, then ``*``.

Rows still in classes smaller than k after generalisation are suppressed (removed), up to a
budget (``max_suppression`` of the rows).

Search: two simple, documented heuristics over the lattice of level vectors, and the one with
the lower information loss is kept (both are reported):

- ``beam-ncp``: a beam search up the lattice from all-zero levels: each round raises one column
  of each kept node by one level and keeps the ``beam_width`` nodes of lowest loss (NCP after
  suppressing the rows still in classes smaller than k), until a node's rows left to suppress
  fit the budget; then any column is lowered again while the budget still holds and the loss
  falls (a local minimality pass, in the spirit of Incognito's minimal nodes).
- ``datafly`` (Sweeney 1998): repeatedly raise the column with the most distinct values at its
  current level, until the rows left to suppress fit the budget; then the same minimality pass.

Each lattice node costs one combine-and-bincount over the rows (milliseconds on census data).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from audit.data_privacy._classes import column_codes, combine_codes, l_diversity
from audit.result import Generalisation, GeneralisationLevel

SUPPRESSED = "*"
OTHER = "Other"
#: Default bin widths of well-known numeric quasi-identifiers.
DEFAULT_BIN_WIDTHS = {"age": (5.0, 10.0, 20.0)}


@dataclass(frozen=True)
class _Level:
    description: str
    codes: np.ndarray      # class code of each row at this level
    card: int
    penalty: np.ndarray    # NCP of each row's value at this level, in [0, 1]
    labels: np.ndarray     # generalised value (string) of each row

    @property
    def penalty_total(self) -> float:
        return self._total

    def __post_init__(self) -> None:
        object.__setattr__(self, "_total", float(self.penalty.sum()))


@dataclass(frozen=True)
class Hierarchy:
    """The levels of one quasi-identifier, from original values (0) to ``*``."""

    column: str
    kind: str
    levels: tuple[_Level, ...]

    @property
    def n_levels(self) -> int:
        return len(self.levels)


def _nice_widths(values: np.ndarray) -> tuple[float, ...]:
    """About 20, 8 and 4 bins over the range, rounded to 1-2-5 steps."""
    span = float(np.nanmax(values) - np.nanmin(values)) if np.isfinite(values).any() else 0.0
    if span <= 0:
        return ()
    out = []
    for n_bins in (20, 8, 4):
        raw = span / n_bins
        exp = 10 ** math.floor(math.log10(raw))
        step = next(m * exp for m in (1, 2, 5, 10) if m * exp >= raw)
        if not out or step > out[-1]:
            out.append(float(step))
    return tuple(out)


def _fmt(x: float) -> str:
    return f"{x:g}"


def numeric_hierarchy(column: pd.Series, widths: Sequence[float] | None = None) -> Hierarchy:
    """Original values, bins ``[lo, lo + width)`` of each width, then ``*``."""
    name = str(column.name)
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    finite = np.isfinite(values)
    span = float(values[finite].max() - values[finite].min()) if finite.any() else 0.0
    codes, card = column_codes(column)
    n = len(column)
    levels = [_Level("original values", codes, card, np.zeros(n), column.astype(str).to_numpy())]
    for width in (widths if widths is not None else _nice_widths(values)):
        lo = np.floor(values / width) * width
        codes, uniques = pd.factorize(lo, use_na_sentinel=False)
        card = max(len(uniques), 1)
        names = np.array([f"[{_fmt(u)}, {_fmt(u + width)})" if np.isfinite(u) else "nan"
                          for u in uniques], dtype=object)
        labels = names[codes]
        codes = codes.astype(np.int64, copy=False)
        penalty = np.where(finite, min(width / span, 1.0) if span > 0 else 0.0, 0.0)
        levels.append(_Level(f"bins of width {width:g}", codes, card, penalty, labels))
    levels.append(_Level("suppressed (*)", np.zeros(n, dtype=np.int64), 1, np.ones(n),
                         np.full(n, SUPPRESSED, dtype=object)))
    return Hierarchy(name, "numeric", tuple(levels))


def categorical_hierarchy(column: pd.Series, thresholds: Sequence[float] = (0.01, 0.05, 0.1, 0.2)
                          ) -> Hierarchy:
    """Original categories, rare ones merged into ``Other`` at each threshold, then ``*``.

    NCP of a value: (original categories it covers - 1) / (categories - 1).
    """
    name = str(column.name)
    n = len(column)
    codes, card = column_codes(column)
    labels0 = column.astype(str).to_numpy(dtype=object)
    levels = [_Level("original values", codes, card, np.zeros(n), labels0)]
    share = np.bincount(codes, minlength=card) / max(n, 1)
    denominator = max(card - 1, 1)
    previous = -1
    for threshold in thresholds:
        rare = share < threshold
        n_rare = int(rare.sum())
        if n_rare < 2 or n_rare == previous or n_rare >= card:  # no change, or the same as "*"
            continue
        previous = n_rare
        row_rare = rare[codes]
        merged_code = card  # a code no original category has
        new_codes, new_card = column_codes(pd.Series(np.where(row_rare, merged_code, codes)))
        penalty = np.where(row_rare, (n_rare - 1) / denominator, 0.0)
        labels = np.where(row_rare, OTHER, labels0)
        levels.append(_Level(f"categories under {threshold:.0%} of rows -> {OTHER} "
                             f"({n_rare} merged)", new_codes, new_card, penalty, labels))
    levels.append(_Level("suppressed (*)", np.zeros(n, dtype=np.int64), 1,
                         np.ones(n) if card > 1 else np.zeros(n),
                         np.full(n, SUPPRESSED, dtype=object)))
    return Hierarchy(name, "categorical", tuple(levels))


def build_hierarchies(frame: pd.DataFrame, quasi_identifiers: Sequence[str], *,
                      bin_widths: Mapping[str, Sequence[float]] | None = None,
                      rare_thresholds: Sequence[float] = (0.01, 0.05, 0.1, 0.2)) -> list[Hierarchy]:
    """A hierarchy per quasi-identifier (numeric dtype: binning; otherwise: coarsening)."""
    widths = {**DEFAULT_BIN_WIDTHS, **(bin_widths or {})}
    out = []
    for column in quasi_identifiers:
        series = frame[column]
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            out.append(numeric_hierarchy(series, widths.get(column)))
        else:
            out.append(categorical_hierarchy(series, rare_thresholds))
    return out


@dataclass(frozen=True)
class _Node:
    levels: tuple[int, ...]
    violating: int        # rows in classes smaller than k
    loss: float           # NCP after suppressing the violating rows (they count as fully generalised)


class _Evaluator:
    """Evaluates lattice nodes (level vectors), caching only their scalars (not per-row arrays)."""

    def __init__(self, hierarchies: Sequence[Hierarchy], k: int, n: int) -> None:
        self.h, self.k, self.n = hierarchies, k, n
        self.cache: dict[tuple[int, ...], _Node] = {}

    def classes(self, levels: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        chosen = [h.levels[i] for h, i in zip(self.h, levels)]
        inverse, n_classes = combine_codes([c.codes for c in chosen], [c.card for c in chosen],
                                           self.n)
        return inverse, np.bincount(inverse, minlength=n_classes)

    def row_sizes(self, levels: tuple[int, ...]) -> np.ndarray:
        """Size of each row's class; counted straight from the combined key when its range is
        small (no factorisation: most lattice nodes above the bottom are coarse)."""
        key = np.zeros(self.n, dtype=np.int64)
        span = 1
        for h, i in zip(self.h, levels):
            level = h.levels[i]
            if level.card == 1:
                continue
            if span * level.card >= 2 ** 62:
                key, uniques = pd.factorize(key)
                span = len(uniques)
            key = key * level.card + level.codes
            span *= level.card
        if span > 8 * self.n:
            key, uniques = pd.factorize(key)
            span = len(uniques)
        return np.bincount(key, minlength=span)[key]

    def __call__(self, levels: tuple[int, ...]) -> _Node:
        node = self.cache.get(levels)
        if node is None:
            rows = np.flatnonzero(self.row_sizes(levels) < self.k)  # cost grows with violators only
            violating = len(rows)
            penalty = 0.0
            for h, i in zip(self.h, levels):
                level = h.levels[i]
                penalty += level.penalty_total - (float(level.penalty.take(rows).sum()) if violating else 0.0)
            loss = float((penalty / len(levels) + violating) / self.n)
            node = self.cache[levels] = _Node(levels, violating, loss)
        return node

    def loss(self, node: _Node) -> float:
        return node.loss


def _minimise(ev: _Evaluator, node: _Node, budget: int) -> _Node:
    """Lower single columns while the suppression budget still holds and the loss falls."""
    improved = True
    while improved:
        improved = False
        for i in range(len(node.levels)):
            if node.levels[i] == 0:
                continue
            lower = ev(node.levels[:i] + (node.levels[i] - 1,) + node.levels[i + 1:])
            if lower.violating <= budget and ev.loss(lower) < ev.loss(node):
                node, improved = lower, True
    return node


def _beam(ev: _Evaluator, budget: int, width: int) -> _Node:
    frontier = [ev(tuple(0 for _ in ev.h))]
    while True:
        done = [node for node in frontier if node.violating <= budget]
        if done:
            return min((_minimise(ev, node, budget) for node in done), key=ev.loss)
        successors: dict[tuple[int, ...], _Node] = {}
        for node in frontier:
            for i, h in enumerate(ev.h):
                if node.levels[i] + 1 < h.n_levels:
                    up = ev(node.levels[:i] + (node.levels[i] + 1,) + node.levels[i + 1:])
                    successors[up.levels] = up
        if not successors:  # everything suppressed: cannot happen when k <= rows
            return frontier[0]
        frontier = sorted(successors.values(), key=lambda nd: (ev.loss(nd), nd.levels))[:width]


def _datafly(ev: _Evaluator, budget: int) -> _Node:
    node = ev(tuple(0 for _ in ev.h))
    while node.violating > budget:
        open_ = [i for i, h in enumerate(ev.h) if node.levels[i] + 1 < h.n_levels]
        if not open_:
            break
        i = max(open_, key=lambda j: (ev.h[j].levels[node.levels[j]].card, -j))
        node = ev(node.levels[:i] + (node.levels[i] + 1,) + node.levels[i + 1:])
    return _minimise(ev, node, budget)


@dataclass(frozen=True)
class GeneralisationOutcome:
    """The chosen generalisation: its summary for the result, and the means to apply it."""

    summary: Generalisation
    hierarchies: tuple[Hierarchy, ...]
    suppressed: np.ndarray  # boolean mask of suppressed rows

    def table(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with its QI columns generalised and suppressed rows removed (a copy)."""
        out = frame.copy()
        for h, level in zip(self.hierarchies, self.summary.levels):
            out[h.column] = h.levels[level.level].labels
        return out.loc[~self.suppressed].reset_index(drop=True)


def search_generalisation(frame: pd.DataFrame, quasi_identifiers: Sequence[str], k_target: int, *,
                          max_suppression: float = 0.01, sensitive: str | None = None,
                          bin_widths: Mapping[str, Sequence[float]] | None = None,
                          rare_thresholds: Sequence[float] = (0.01, 0.05, 0.1, 0.2),
                          beam_width: int = 4) -> GeneralisationOutcome:
    """Find a generalisation plus suppression reaching ``k_target`` with little information loss.

    Examples
    --------
    >>> frame = pd.DataFrame({"age": [21, 23, 37, 38], "sex": ["F", "F", "M", "M"]})
    >>> out = search_generalisation(frame, ["age", "sex"], 2, max_suppression=0.0)
    >>> out.summary.k, [lv.description for lv in out.summary.levels]
    (2, ['bins of width 5', 'original values'])
    """
    n = len(frame)
    hierarchies = tuple(build_hierarchies(frame, quasi_identifiers, bin_widths=bin_widths,
                                          rare_thresholds=rare_thresholds))
    budget = int(math.floor(max_suppression * n + 1e-9))
    ev = _Evaluator(hierarchies, k_target, n)
    candidates = {"beam-ncp": _beam(ev, budget, beam_width), "datafly": _datafly(ev, budget)}
    losses = {name: ev.loss(node) for name, node in candidates.items()}
    strategy = min(candidates, key=lambda s: (losses[s], candidates[s].violating))
    node = candidates[strategy]
    inverse, sizes = ev.classes(node.levels)
    suppressed = sizes[inverse] < k_target
    kept_sizes = sizes[sizes >= k_target]
    l_distinct = None
    if sensitive is not None and (~suppressed).any():
        codes, _ = column_codes(frame[sensitive])
        kept_classes, kept_uniques = pd.factorize(inverse[~suppressed])
        distinct, _ = l_diversity(kept_classes.astype(np.int64), len(kept_uniques), codes[~suppressed])
        l_distinct = int(distinct.min())
    n_supp = int(suppressed.sum())
    summary = Generalisation(
        strategy=strategy, reached=node.violating <= budget, k_target=k_target,
        k=int(kept_sizes.min()) if len(kept_sizes) else 0,
        levels=tuple(GeneralisationLevel(column=h.column, level=lv, n_levels=h.n_levels,
                                         description=h.levels[lv].description)
                     for h, lv in zip(hierarchies, node.levels)),
        suppressed_rows=n_supp, suppressed_share=n_supp / n if n else 0.0,
        max_suppression=max_suppression, n_classes=len(kept_sizes), ncp=losses[strategy],
        discernibility=float((kept_sizes.astype(float) ** 2).sum() + n_supp * float(n)),
        avg_class_size_ratio=float((n - n_supp) / len(kept_sizes) / k_target) if len(kept_sizes) else 0.0,
        nodes_evaluated=len(ev.cache), l_distinct=l_distinct,
        alternatives={name: float(loss) for name, loss in losses.items()})
    return GeneralisationOutcome(summary=summary, hierarchies=hierarchies, suppressed=suppressed)
