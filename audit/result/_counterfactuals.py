"""The counterfactual section of an :class:`~audit.result.AuditResult`.

A counterfactual of a row is a close input that flips the model's decision while changing only
mutable features and keeping every feature valid. Changes are stated in original units and
category names; costs follow ``CounterfactualSection.cost_metric``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from audit.result._base import Interval, schema_dataclass


@schema_dataclass
class FeatureChange:
    """"Change ``feature`` from ``before`` to ``after``" (original units or category names)."""

    feature: str
    before: str
    after: str


@schema_dataclass
class Counterfactual:
    """One verified counterfactual: its changes, cost and the model's new probability."""

    changes: tuple[FeatureChange, ...]
    cost: float
    n_changed: int
    probability: float


@schema_dataclass
class RowCounterfactuals:
    """The counterfactuals found for one row (``status`` says when none was found)."""

    row: int
    probability: float
    decision: int
    desired: int
    groups: dict[str, str]
    status: Literal["found", "not found within the constraints"]
    counterfactuals: tuple[Counterfactual, ...] = ()


@schema_dataclass
class GroupRecourse:
    """Recourse for the rows with a negative decision in one sensitive group.

    ``share_flippable`` is the share of those rows with at least one counterfactual (Wilson
    interval); ``mean_cost`` / ``median_cost`` / ``mean_n_changed`` are over the rows' cheapest
    counterfactuals (percentile bootstrap interval of the mean); ``change_rates`` is, per feature,
    the share of those cheapest counterfactuals that change it.
    """

    sensitive_feature: str
    group: str
    n_negative: int
    n_flippable: int
    share_flippable: float
    share_flippable_interval: Interval
    mean_cost: float
    mean_cost_interval: Interval
    median_cost: float
    mean_n_changed: float
    small: bool
    change_rates: dict[str, float] = Field(default_factory=dict)


@schema_dataclass
class RecourseGap:
    """Largest minus smallest group value of a recourse ``measure`` for one sensitive feature,
    with a percentile bootstrap interval (rows resampled within each group). ``worst_group`` and
    ``best_group`` are empty when every group has the same value (none is worse)."""

    sensitive_feature: str
    measure: Literal["mean_cost", "share_flippable"]
    value: float
    interval: Interval
    worst_group: str
    best_group: str


@schema_dataclass
class LibraryComparison:
    """The same rows searched by another library (e.g. dice-ml), for reference: speed, rows with
    a counterfactual, validity under our checks, features changed and cost (``cost_metric`` of
    the section) of the valid counterfactuals."""

    library: str
    method: str
    n_rows: int
    seconds_per_row: float
    share_rows_found: float
    validity: float
    mean_n_changed: float
    ours_seconds_per_row: float
    ours_share_rows_found: float
    ours_mean_n_changed: float
    mean_cost: float = float("nan")
    ours_mean_cost: float = float("nan")


@schema_dataclass
class CounterfactualSection:
    """Counterfactual explanations and recourse fairness of the audited model.

    ``validity`` is the share of returned counterfactuals that were verified (re-run through
    the model and checked against the constraints): invalid candidates are dropped, so it is 1
    by construction and stated so a reader can check it. ``row_examples`` are the stored rows
    (see ``n_examples`` in the config); every other number is over all searched rows.
    """

    split: str
    method: str
    cost_metric: str
    cost_description: str
    immutable: tuple[str, ...]
    n_per_row: int
    n_rows_searched: int
    n_rows_found: int
    n_rows_not_found: int
    n_negative: int
    n_negative_not_found: int
    n_counterfactuals: int
    mean_per_row: float
    validity: float
    seconds: float
    rows_per_second: float
    change_rates: dict[str, float]
    groups: tuple[GroupRecourse, ...]
    gaps: tuple[RecourseGap, ...]
    row_examples: tuple[RowCounterfactuals, ...]
    comparison: LibraryComparison | None = None
    notes: tuple[str, ...] = ()
