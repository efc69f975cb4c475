"""Result types of each sensitive group's accuracy cost under DP (a DP run against its
non-private twin on the same test rows)."""

from __future__ import annotations

from audit.result._base import Interval, schema_dataclass


@schema_dataclass
class GroupDPCost:
    """One group's (or intersection's) held-out accuracy with and without DP.

    Attributes
    ----------
    partition : str
        The sensitive feature, or an intersection written ``"race x sex"``.
    group : str
        The group label (``"White & Male"`` for an intersection).
    n : int
        Test rows of the group (both models are scored on the same rows).
    accuracy_private, accuracy_non_private : float
        Accuracy of the audited DP model and of its non-private twin on those rows.
    cost : float
        ``accuracy_non_private - accuracy_private``: accuracy the group loses to DP (negative
        when DP happened to help).
    cost_interval : Interval
        Paired percentile bootstrap interval of ``cost`` (rows resampled with both models'
        outcomes kept together).
    small : bool
        Fewer test rows than the minimum group size: shown, flagged, not gated.
    """

    partition: str
    group: str
    n: int
    accuracy_private: float
    accuracy_non_private: float
    cost: float
    cost_interval: Interval
    small: bool = False


@schema_dataclass
class GroupDPCostAudit:
    """Each group's accuracy cost under DP, or why it was not measured.

    Attributes
    ----------
    rows : tuple of GroupDPCost
        One per group of every sensitive feature and intersection; empty when not measured.
    undefined_reason : str
        Why there are no rows (a run without DP has no cost; a model trained elsewhere has no
        twin); "" when measured.
    twin : str
        How the non-private twin was obtained (reused from the privacy-utility curve, or
        trained for this table).
    accuracy_private, accuracy_non_private : float
        Overall test accuracy of both models (NaN when not measured).
    threshold : float
        Decision threshold on P(positive) of both models.
    confidence_level : float
    n_replicates : int
        Bootstrap replicates of each interval.
    min_group_size : int
        Groups with fewer test rows are flagged small and left out of the gate.
    """

    rows: tuple[GroupDPCost, ...] = ()
    undefined_reason: str = ""
    twin: str = ""
    accuracy_private: float = float("nan")
    accuracy_non_private: float = float("nan")
    threshold: float = 0.5
    confidence_level: float = 0.95
    n_replicates: int = 0
    min_group_size: int = 50
