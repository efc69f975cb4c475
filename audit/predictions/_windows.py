"""Fairness over time: counts per calendar day from the engine, folded into windows.

The engine groups the log by the timestamp's calendar date (year, month, day: expressions
every engine has) with the sensitive columns, label and decision. The driver folds the days
into windows (a day, an ISO week starting on Monday, a calendar month), so one query serves
any window. Each window's partitions get the same metrics, intervals and verdicts as the whole
log. Dates are taken in the timestamp's own time zone (for Spark: the session time zone,
``spark.sql.session.timeZone``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import narwhals as nw
import numpy as np

from audit.fairness import FairnessAuditConfig, fairness_from_counts
from audit.predictions._counts import Cells, count_cells, partition_counts
from audit.predictions._engines import INTERNAL, PredictionLog
from audit.predictions._spec import LogSpec, Window
from audit.result import WindowFairness

YEAR, MONTH, DAY = f"{INTERNAL}year", f"{INTERNAL}month", f"{INTERNAL}day"
NO_WINDOW_SCORES = "score metrics are computed over the whole log, not per window"


def window_of(day: dt.date, window: Window) -> tuple[str, dt.date, dt.date]:
    """``(label, start, end)`` of the window holding ``day`` (``end`` excluded).

    Examples
    --------
    >>> window_of(dt.date(2024, 1, 3), "week")
    ('2024-W01', datetime.date(2024, 1, 1), datetime.date(2024, 1, 8))
    >>> window_of(dt.date(2024, 12, 31), "month")[0]
    '2024-12'
    """
    if window == "day":
        return day.isoformat(), day, day + dt.timedelta(days=1)
    if window == "week":
        start = day - dt.timedelta(days=day.weekday())
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}", start, start + dt.timedelta(days=7)
    start = day.replace(day=1)
    end = (start.replace(year=start.year + 1, month=1) if start.month == 12
           else start.replace(month=start.month + 1))
    return f"{start:%Y-%m}", start, end


def daily_cells(log: PredictionLog, spec: LogSpec, *, limit: int) -> Cells:
    """Rows per (date, sensitive values, label, decision) from one engine group-by."""
    t = nw.col(spec.timestamp)
    keys = {YEAR: t.dt.year(), MONTH: t.dt.month()}
    if spec.window != "month":  # a month needs no day: fewer cells
        keys[DAY] = t.dt.day()
    keys.update({f: nw.col(f) for f in spec.sensitive_features})
    return count_cells(log, spec, keys, name=f"{spec.window}ly counts", limit=limit)


def fairness_windows(cells: Cells, spec: LogSpec, partitions: Sequence[tuple[str, ...]],
                     config: FairnessAuditConfig, seed: int) -> tuple[WindowFairness, ...]:
    """Every window with rows, oldest first, each with all ``partitions``."""
    keys = cells.keys
    days = keys[DAY].to_numpy() if DAY in keys else np.ones(len(keys), dtype=int)
    labels, starts, ends = {}, {}, {}
    window_of_cell = []
    for year, month, day in zip(keys[YEAR].to_numpy(), keys[MONTH].to_numpy(), days):
        label, start, end = window_of(dt.date(int(year), int(month), int(day)), spec.window)
        labels[label], starts[label], ends[label] = label, start, end
        window_of_cell.append(label)
    window_of_cell = np.asarray(window_of_cell, dtype=object)
    out = []
    for w, label in enumerate(sorted(labels, key=starts.get)):
        part = cells.subset(window_of_cell == label)
        results = []
        for i, features in enumerate(partitions):
            counted = partition_counts(part, features, nan_policy=config.nan_policy,
                                       max_groups=config.max_groups, require_two_groups=False)
            results.append(fairness_from_counts(
                counted.counts, config=config, seed=seed + 1000 * i + 17 * (w + 1),
                no_scores_reason=NO_WINDOW_SCORES))
        out.append(WindowFairness(window=label, start=starts[label].isoformat(),
                                  end=ends[label].isoformat(), n_rows=part.n_rows,
                                  partitions=tuple(results)))
    return tuple(out)
