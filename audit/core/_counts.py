"""Confusion-matrix metrics from counts per (group, y_true, y_pred) cell, vectorised.

Every metric here is a function of the 2x2 counts of each group, so the same code computes the
point estimate (counts of shape ``(G, 2, 2)``) and all bootstrap replicates at once (counts of
shape ``(B, G, 2, 2)``). Undefined values (a rate with an empty denominator) are NaN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from audit.core._bootstrap import bootstrap_counts
from audit.core._groups import (
    NanPolicy,
    binary_array,
    check_lengths,
    encode_groups,
    group_name,
    label_sort_key,
    partition_name,
    sensitive_frame,
)
from audit.core._intervals import wilson_bounds

CountMetric = Literal["selection_rate", "true_positive_rate", "false_positive_rate",
                      "false_negative_rate", "precision", "accuracy", "balanced_accuracy",
                      "base_rate"]
DisparityName = Literal["demographic_parity_difference", "demographic_parity_ratio",
                        "equalized_odds_difference", "equalized_odds_ratio",
                        "equal_opportunity_difference", "four_fifths_rule"]

COUNT_METRICS: tuple[str, ...] = (
    "selection_rate", "true_positive_rate", "false_positive_rate", "false_negative_rate",
    "precision", "accuracy", "balanced_accuracy", "base_rate")
DISPARITIES: tuple[str, ...] = (
    "demographic_parity_difference", "demographic_parity_ratio", "equalized_odds_difference",
    "equalized_odds_ratio", "equal_opportunity_difference", "four_fifths_rule")

UNDEFINED_REASONS: dict[str, str] = {
    "selection_rate": "empty group (no rows)",
    "accuracy": "empty group (no rows)",
    "base_rate": "empty group (no rows)",
    "true_positive_rate": "no actual positives in this group (the rate divides by them)",
    "false_negative_rate": "no actual positives in this group (the rate divides by them)",
    "false_positive_rate": "no actual negatives in this group (the rate divides by them)",
    "precision": "no predicted positives in this group (precision divides by them)",
    "balanced_accuracy": "needs both actual positives and actual negatives in the group",
}


def _cells(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    c = np.asarray(counts, dtype=np.float64)
    return c[..., 0, 0], c[..., 0, 1], c[..., 1, 0], c[..., 1, 1]


def safe_divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with NaN where ``den == 0`` (no warning)."""
    num, den = np.broadcast_arrays(np.asarray(num, dtype=np.float64),
                                   np.asarray(den, dtype=np.float64))
    return np.divide(num, den, out=np.full(num.shape, np.nan), where=den != 0)


def proportion_parts(counts: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Numerator and denominator counts of each count metric that is a proportion."""
    tn, fp, fn, tp = _cells(counts)
    n = tn + fp + fn + tp
    return {
        "selection_rate": (fp + tp, n),
        "true_positive_rate": (tp, tp + fn),
        "false_positive_rate": (fp, fp + tn),
        "false_negative_rate": (fn, fn + tp),
        "precision": (tp, tp + fp),
        "accuracy": (tp + tn, n),
        "base_rate": (fn + tp, n),
    }


def metrics_from_counts(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Every count metric from counts of shape ``(..., G, 2, 2)`` indexed ``[g, y_true, y_pred]``.

    Parameters
    ----------
    counts : numpy.ndarray
        Non-negative counts; leading axes (e.g. bootstrap replicates) are kept.

    Returns
    -------
    dict of str to numpy.ndarray
        One array of shape ``(..., G)`` per name in :data:`COUNT_METRICS`, NaN where undefined.

    Examples
    --------
    >>> c = np.array([[[3, 1], [0, 2]], [[1, 1], [2, 0]]])
    >>> metrics_from_counts(c)["true_positive_rate"]
    array([1., 0.])
    """
    out = {name: safe_divide(num, den) for name, (num, den) in proportion_parts(counts).items()}
    tn, fp, _, _ = _cells(counts)
    tnr = safe_divide(tn, tn + fp)
    out["balanced_accuracy"] = (out["true_positive_rate"] + tnr) / 2
    return {name: out[name] for name in COUNT_METRICS}


def wilson_from_counts(counts: np.ndarray, level: float = 0.95) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Wilson bounds of every count metric that is a proportion (all but balanced accuracy)."""
    return {name: wilson_bounds(num, den, level)
            for name, (num, den) in proportion_parts(counts).items()}


@dataclass(frozen=True)
class Extremes:
    """Range of a metric over groups, ignoring groups where it is undefined."""

    low: np.ndarray
    high: np.ndarray
    argmin: np.ndarray
    argmax: np.ndarray
    n_defined: np.ndarray

    @property
    def difference(self) -> np.ndarray:
        return np.where(self.n_defined >= 2, self.high - self.low, np.nan)

    @property
    def ratio(self) -> np.ndarray:
        return np.where(self.n_defined >= 2, safe_divide(self.low, self.high), np.nan)


def extremes(values: np.ndarray) -> Extremes:
    """Lowest and highest defined value over the last axis (groups), without NaN warnings."""
    values = np.asarray(values, dtype=np.float64)
    defined = ~np.isnan(values)
    lo_src = np.where(defined, values, np.inf)
    hi_src = np.where(defined, values, -np.inf)
    argmin, argmax = lo_src.argmin(axis=-1), hi_src.argmax(axis=-1)
    low = np.take_along_axis(lo_src, argmin[..., None], axis=-1)[..., 0]
    high = np.take_along_axis(hi_src, argmax[..., None], axis=-1)[..., 0]
    n_defined = defined.sum(axis=-1)
    low = np.where(n_defined > 0, low, np.nan)
    high = np.where(n_defined > 0, high, np.nan)
    return Extremes(low, high, argmin, argmax, n_defined)


def disparities_from_metrics(metrics: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every disparity (shape ``(...)``) from group metrics of shape ``(..., G)``.

    Definitions are fairlearn's ``method="between_groups"``: a difference is the largest minus
    the smallest group value, a ratio the smallest over the largest; equalized odds takes the
    worse of the true and false positive rate terms (``agg="worst_case"``). Groups where the
    metric is undefined are left out; fewer than two defined groups give NaN.

    Examples
    --------
    >>> m = metrics_from_counts(np.array([[[3, 1], [0, 2]], [[1, 1], [2, 0]]]))
    >>> float(disparities_from_metrics(m)["equal_opportunity_difference"])
    1.0
    """
    sel = extremes(metrics["selection_rate"])
    tpr = extremes(metrics["true_positive_rate"])
    fpr = extremes(metrics["false_positive_rate"])
    return {
        "demographic_parity_difference": sel.difference,
        "demographic_parity_ratio": sel.ratio,
        "equalized_odds_difference": np.maximum(tpr.difference, fpr.difference),
        "equalized_odds_ratio": np.minimum(tpr.ratio, fpr.ratio),
        "equal_opportunity_difference": tpr.difference,
        "four_fifths_rule": sel.ratio,
    }


@dataclass(frozen=True, eq=False)
class GroupCounts:
    """Counts per (group, y_true, y_pred) cell: everything count metrics need, mergeable.

    Attributes
    ----------
    features : tuple of str
        The sensitive features whose intersection defines the groups.
    groups : tuple of tuple of str
        Each group's label for each feature, in the order of ``counts``.
    counts : numpy.ndarray
        int64, shape ``(n_groups, 2, 2)``, indexed ``[group, y_true, y_pred]``.
    n_dropped : int
        Rows left out under ``nan_policy="drop"``.

    Examples
    --------
    >>> a = GroupCounts.from_predictions([1, 0, 1], [1, 0, 0], {"sex": ["F", "M", "F"]})
    >>> b = GroupCounts.from_predictions([0, 1], [1, 1], {"sex": ["M", "X"]})
    >>> (a + b).names, int((a + b).sizes.sum())
    (('F', 'M', 'X'), 5)
    """

    features: tuple[str, ...]
    groups: tuple[tuple[str, ...], ...]
    counts: np.ndarray
    n_dropped: int = 0

    def __post_init__(self) -> None:
        counts = np.asarray(self.counts, dtype=np.int64)
        if counts.shape != (len(self.groups), 2, 2):
            raise ValueError(f"counts must have shape ({len(self.groups)}, 2, 2), "
                             f"got {counts.shape}")
        object.__setattr__(self, "counts", counts)

    @classmethod
    def from_predictions(cls, y_true: Any, y_pred: Any, sensitive_features: Any, *,
                         nan_policy: NanPolicy = "error", max_groups: int | None = None,
                         require_two_groups: bool = False) -> GroupCounts:
        """Count rows per cell. Several sensitive columns give their intersection.

        Parameters
        ----------
        y_true, y_pred : array-like of 0/1
        sensitive_features : DataFrame, Series, mapping or array
        nan_policy : {"error", "own_group", "drop"}
        max_groups : int, optional
            Refuse more groups than this (:class:`TooManyGroupsError`).
        require_two_groups : bool
            Refuse a feature with a single value (off by default so that a chunk of a larger
            table may hold one group).

        Examples
        --------
        >>> c = GroupCounts.from_predictions([1, 0], [1, 1], {"sex": ["F", "M"], "race": ["a", "b"]})
        >>> c.name, c.names
        ('sex x race', ('F & a', 'M & b'))
        """
        y_true = binary_array("y_true", y_true)
        y_pred = binary_array("y_pred", y_pred)
        frame = sensitive_frame(sensitive_features)
        check_lengths(y_true=y_true, y_pred=y_pred, sensitive_features=frame)
        enc = encode_groups(frame, nan_policy=nan_policy, max_groups=max_groups,
                            require_two_groups=require_two_groups)
        return cls.from_codes(y_true, y_pred, enc.codes, enc.groups, enc.features,
                              n_dropped=enc.n_dropped)

    @classmethod
    def from_codes(cls, y_true: np.ndarray, y_pred: np.ndarray, codes: np.ndarray,
                   groups: Sequence[tuple[str, ...]], features: Sequence[str], *,
                   n_dropped: int = 0) -> GroupCounts:
        """Count from validated 0/1 arrays and group codes (-1 = dropped row)."""
        key = codes.astype(np.intp, copy=False) * 4 + (y_true.astype(np.intp) * 2 + y_pred)
        if n_dropped:
            key = key[codes >= 0]
        counts = np.bincount(key, minlength=4 * len(groups)).reshape(len(groups), 2, 2)
        return cls(tuple(features), tuple(groups), counts, n_dropped)

    @property
    def names(self) -> tuple[str, ...]:
        """Display name of each group (``"Female & Black"``)."""
        return tuple(group_name(g) for g in self.groups)

    @property
    def name(self) -> str:
        """Display name of the partition (``"sex x race"``)."""
        return partition_name(self.features)

    @property
    def sizes(self) -> np.ndarray:
        return self.counts.sum(axis=(1, 2))

    def __add__(self, other: GroupCounts) -> GroupCounts:
        if not isinstance(other, GroupCounts):
            return NotImplemented
        if other.features != self.features:
            raise ValueError(f"cannot add counts over {other.features} to counts over "
                             f"{self.features}")
        groups = tuple(sorted(set(self.groups) | set(other.groups),
                              key=lambda g: tuple(label_sort_key(label) for label in g)))
        index = {g: i for i, g in enumerate(groups)}
        counts = np.zeros((len(groups), 2, 2), dtype=np.int64)
        for part in (self, other):
            counts[[index[g] for g in part.groups]] += part.counts
        return GroupCounts(self.features, groups, counts, self.n_dropped + other.n_dropped)

    def metrics(self) -> dict[str, np.ndarray]:
        """Count metrics per group (see :func:`metrics_from_counts`)."""
        return metrics_from_counts(self.counts)

    def disparities(self) -> dict[str, float]:
        """Disparity values (see :func:`disparities_from_metrics`)."""
        return {k: float(v) for k, v in disparities_from_metrics(self.metrics()).items()}

    def bootstrap(self, n_replicates: int = 1000,
                  seed: int | np.random.Generator = 0) -> np.ndarray:
        """Replicates of the counts, shape ``(n_replicates, G, 2, 2)`` (see :func:`bootstrap_counts`)."""
        return bootstrap_counts(self.counts, n_replicates, seed)
