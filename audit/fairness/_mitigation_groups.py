"""Groups a per-group mitigation can be fitted on, small and one-label groups merged.

fairlearn's ``ThresholdOptimizer`` needs both labels in every group it fits a threshold for
(``Degenerate labels for sensitive feature value ...`` otherwise), and a threshold fitted on a
handful of rows is noise; its ``predict`` also needs every group it meets to have been fitted.
Groups with fewer than ``min_rows`` rows or a single label in the rows a mitigation is fitted
on are merged into one stated bucket; a bucket that is itself unusable joins the largest
usable group. With fewer than two usable groups the mitigation is skipped, with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from audit._safe_text import for_terminal

#: A group needs this many rows (and both labels) in the fitting rows to get its own threshold.
MIN_MITIGATION_ROWS = 20
#: The name of the bucket merged groups are fitted as.
BUCKET = "small groups (merged)"


@dataclass(frozen=True)
class GroupMerge:
    """How a sensitive feature's groups are fitted by a mitigation.

    Attributes
    ----------
    mapping : dict of str to str
        Each group seen (in the fitting rows or later) to the group it is fitted as.
    merged : tuple of str
        Groups that do not get their own fit, each with why (``"X (12 rows)"``).
    skipped : str
        Why the mitigation cannot run at all ("" when it can).
    target : str
        The group the merged groups are fitted as (the bucket, or the largest group).
    """

    mapping: dict[str, str]
    merged: tuple[str, ...] = ()
    skipped: str = ""
    target: str = ""

    def apply(self, groups: Sequence[object]) -> np.ndarray:
        """The fitted group of each row (a group never seen is fitted as the bucket or, if
        there is none, as the largest group)."""
        fallback = self.target or next(iter(self.mapping.values()))
        return np.array([self.mapping.get(str(g), fallback) for g in groups], dtype=object)

    @property
    def note(self) -> str:
        """The sentence stating the merge ("" when every group is fitted on its own)."""
        if not self.merged:
            return ""
        return (f"groups fitted as {self.target!r} (fewer than {MIN_MITIGATION_ROWS} rows or "
                f"one label in the fitting rows): {', '.join(self.merged)}")


def _why(n: int, n_labels: int) -> str:
    return f"{n} row{'s' if n != 1 else ''}" + (", one label" if n_labels < 2 else "")


def merge_small_groups(groups: Sequence[object], y: Sequence[int], *,
                       also: Sequence[object] = (), min_rows: int = MIN_MITIGATION_ROWS
                       ) -> GroupMerge:
    """Plan the groups a mitigation is fitted on.

    Parameters
    ----------
    groups : sequence
        Group of each fitting row.
    y : sequence of 0/1
        Label of each fitting row.
    also : sequence
        Groups of rows the mitigation will be applied to later (test rows): groups absent from
        the fitting rows are merged too.
    min_rows : int

    Examples
    --------
    >>> plan = merge_small_groups(["a"] * 30 + ["b"] * 30 + ["c"] * 3,
    ...                           [0, 1] * 15 + [0, 1] * 15 + [1, 1, 1], min_rows=20)
    >>> plan.merged, plan.skipped
    (('c (3 rows, one label)',), '')
    >>> plan.target, plan.apply(["a", "c", "z"]).tolist()
    ('a', ['a', 'a', 'a'])
    """
    frame = pd.DataFrame({"g": [str(g) for g in groups], "y": np.asarray(y, dtype=int)})
    stats = frame.groupby("g", sort=True)["y"].agg(["size", "nunique"])
    usable = stats[(stats["size"] >= min_rows) & (stats["nunique"] == 2)]
    small = stats.drop(usable.index)
    merged = [f"{for_terminal(g)[:60]} ({_why(int(r['size']), int(r['nunique']))})"
              for g, r in small.iterrows()]
    unseen = sorted({str(g) for g in also} - set(stats.index))
    merged += [f"{for_terminal(g)[:60]} (0 rows)" for g in unseen]
    mapping = {str(g): str(g) for g in usable.index}
    bucket_rows = frame[frame["g"].isin(small.index)]
    bucket_ok = len(bucket_rows) >= min_rows and bucket_rows["y"].nunique() == 2
    if len(usable) == 0:
        return GroupMerge(mapping={g: g for g in stats.index}, merged=tuple(merged),
                          skipped="no group has at least "
                                  f"{min_rows} rows with both labels in the fitting rows")
    target = BUCKET if bucket_ok else str(usable["size"].idxmax())
    mapping.update({str(g): target for g in small.index})
    mapping.update({g: target for g in unseen})
    if len(set(mapping.values())) < 2:
        return GroupMerge(mapping=mapping, merged=tuple(merged), target=target,
                          skipped=f"fewer than two groups with at least {min_rows} rows and "
                                  "both labels in the fitting rows: nothing to equalise")
    return GroupMerge(mapping=mapping, merged=tuple(merged), target=target)


__all__ = ["BUCKET", "MIN_MITIGATION_ROWS", "GroupMerge", "merge_small_groups"]
