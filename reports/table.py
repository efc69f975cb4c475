"""One table of a section's view model, read by the HTML report and the dashboard alike.

A section's view module (``reports/sections/<slug>.py``) builds each table once: its rows (plain
dicts of values, the same ones the report's template formats) and the columns a reader shows,
key -> header. The dashboard page renders :meth:`Table.frame`, so the two readers can only
differ in styling, never in which rows or values they show.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


def display_value(value: Any, digits: int = 3) -> Any:
    """A cell as a reader shows it: an interval as ``[low, high]``, NaN as ``undefined``.

    Examples
    --------
    >>> from audit.result import Interval
    >>> display_value(Interval(0.1234, 0.5))
    '[0.123, 0.500]'
    >>> display_value(float("nan"))
    'undefined'
    >>> display_value(7)
    7
    """
    if hasattr(value, "low") and hasattr(value, "high"):
        if value.low != value.low:
            return ""
        return f"[{value.low:.{digits}f}, {value.high:.{digits}f}]"
    if isinstance(value, float) and math.isnan(value):
        return "undefined"
    if isinstance(value, (tuple, list)):
        return "; ".join(str(display_value(v, digits)) for v in value)
    return value


@dataclass(frozen=True)
class Table:
    """Rows of one table and the columns shown, in order.

    Parameters
    ----------
    rows : sequence of mapping or of result objects
        One dict per row, or the result's own records (a column is then read as an
        attribute). A row may hold more than ``columns`` names (e.g. a flag the report's
        template turns into a coloured light).
    columns : mapping of str to str
        Row key -> column header, in the order shown.
    """

    rows: Sequence[Any]
    columns: Mapping[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __getitem__(self, index: int) -> Any:
        return self.rows[index]

    def __bool__(self) -> bool:
        return bool(self.rows)

    def frame(self, digits: int = 3) -> pd.DataFrame:
        """The shown columns as a DataFrame with the headers as column names.

        Examples
        --------
        >>> Table([{"a": 1.0, "b": float("nan"), "hidden": True}], {"a": "A", "b": "B"}).frame()
             A          B
        0  1.0  undefined
        """
        return pd.DataFrame([{label: display_value(_cell(row, key), digits)
                              for key, label in self.columns.items()} for row in self.rows],
                            columns=list(self.columns.values()))


def _cell(row: Any, key: str) -> Any:
    return row.get(key) if isinstance(row, Mapping) else getattr(row, key, None)
