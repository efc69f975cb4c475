"""Validating labels, predictions and scores, and encoding sensitive features as group codes.

Shared by every audit that counts per group (fairness, error analysis, robustness, the text
training callbacks). The fix texts are module constants (the fairlearn way) so tests compare
them exactly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from audit.core._config import NanPolicy
from audit.errors import (
    LengthMismatchError,
    MissingSensitiveValueError,
    NotBinaryError,
    ProbabilityRangeError,
    SensitiveFeatureMissingError,
    SingleGroupError,
    TooManyGroupsError,
    suggest,
)

FIX_LENGTH = "pass y_true, y_pred, y_score and sensitive_features for the same rows, in the same order"
FIX_NOT_BINARY = ("threshold the scores first (e.g. y_pred = (y_score >= 0.5).astype(int)) or map the "
                  "labels to 0/1 with 1 the favourable outcome")
FIX_PROBABILITY_RANGE = ("pass the predicted probability of the positive class (e.g. "
                         "torch.softmax(logits, 1)[:, 1]), not logits or decision scores")
FIX_MISSING_VALUES = ("choose a policy explicitly: nan_policy='own_group' keeps these rows as a group "
                      "named '(missing)', nan_policy='drop' leaves them out (and says how many)")
FIX_SINGLE_GROUP = "audit a feature with at least two groups, or remove it from sensitive_features"
FIX_TOO_MANY_GROUPS = ("bin numeric features (e.g. sensitive_bins: {age: [25, 45, 65]}), merge rare "
                       "categories, intersect fewer features, or raise max_groups")

MISSING_GROUP = "(missing)"
GROUP_SEPARATOR = " & "
PARTITION_SEPARATOR = " x "


def partition_name(features: Sequence[str]) -> str:
    """``("sex", "race")`` -> ``"sex x race"``."""
    return PARTITION_SEPARATOR.join(features)


def group_name(labels: Sequence[str]) -> str:
    """``("Female", "Black")`` -> ``"Female & Black"``."""
    return GROUP_SEPARATOR.join(labels)


def binary_array(name: str, values: Any) -> np.ndarray:
    """``values`` as an int8 array of 0/1, or :class:`NotBinaryError` naming what was found."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        arr = arr.reshape(-1) if arr.ndim == 2 and 1 in arr.shape else arr
    if arr.ndim != 1:
        raise NotBinaryError(name, "a 1-D array of 0/1 labels", f"an array of shape {arr.shape}",
                             FIX_NOT_BINARY)
    kind = arr.dtype.kind
    if kind == "b":
        return arr.astype(np.int8)
    if kind in "iu":
        ok = arr.size == 0 or (arr.min() >= 0 and arr.max() <= 1)
    elif kind == "f":
        ok = bool(((arr == 0) | (arr == 1)).all())
    else:
        ok = False
    if not ok:
        found = pd.unique(pd.Series(arr, copy=False))
        shown = ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in found[:6])
        more = ", ..." if len(found) > 6 else ""
        raise NotBinaryError(name, "binary values 0 and 1 (1 = favourable outcome)",
                             f"values [{shown}{more}] ({len(found)} distinct)", FIX_NOT_BINARY)
    return arr.astype(np.int8)


def probability_array(name: str, values: Any) -> np.ndarray:
    """``values`` as float64 probabilities in [0, 1], or :class:`ProbabilityRangeError`."""
    arr = np.asarray(values, dtype=np.float64).reshape(-1)
    n_nan = int(np.isnan(arr).sum())
    if n_nan:
        raise ProbabilityRangeError(name, "probabilities in [0, 1]", f"{n_nan} NaN values",
                                    FIX_PROBABILITY_RANGE)
    if arr.size and (arr.min() < 0.0 or arr.max() > 1.0):
        outside = int(((arr < 0) | (arr > 1)).sum())
        raise ProbabilityRangeError(
            name, "probabilities in [0, 1]",
            f"{outside} values outside, min {arr.min():.4g}, max {arr.max():.4g}",
            FIX_PROBABILITY_RANGE)
    return arr


def check_lengths(**arrays: Any) -> int:
    """The common length of the given arrays, or :class:`LengthMismatchError` listing them."""
    lengths = {k: len(v) for k, v in arrays.items() if v is not None}
    if len(set(lengths.values())) > 1:
        got = ", ".join(f"{k} has {n:,}" for k, n in lengths.items())
        raise LengthMismatchError(" / ".join(lengths), "the same number of rows in each", got,
                                  FIX_LENGTH)
    return next(iter(lengths.values()), 0)


def sensitive_frame(sensitive_features: Any, names: Sequence[str] | None = None) -> pd.DataFrame:
    """The sensitive features as a DataFrame, one column per feature.

    Accepts a DataFrame, a Series, a mapping of name to values, or a 1-D / 2-D array.
    ``names`` selects (and orders) columns; a missing name raises
    :class:`SensitiveFeatureMissingError`.
    """
    if isinstance(sensitive_features, pd.DataFrame):
        frame = sensitive_features
    elif isinstance(sensitive_features, pd.Series):
        frame = sensitive_features.to_frame(sensitive_features.name or "sensitive_feature")
    elif isinstance(sensitive_features, Mapping):
        frame = pd.DataFrame({str(k): np.asarray(v) for k, v in sensitive_features.items()})
    else:
        arr = np.asarray(sensitive_features, dtype=object)
        if arr.ndim == 1:
            frame = pd.DataFrame({"sensitive_feature": arr})
        else:
            frame = pd.DataFrame({f"sensitive_feature_{i}": arr[:, i] for i in range(arr.shape[1])})
    frame.columns = [str(c) for c in frame.columns]
    if names is None:
        return frame
    for name in names:
        if name not in frame.columns:
            raise SensitiveFeatureMissingError(
                f"sensitive feature {name!r}", f"one of the columns {list(frame.columns)}",
                "no such column", "name an existing column." + suggest(name, frame.columns))
    return frame[list(names)]


@dataclass(frozen=True)
class EncodedGroups:
    """Rows mapped to groups: ``codes[i]`` is row i's group (-1 when dropped)."""

    features: tuple[str, ...]
    groups: tuple[tuple[str, ...], ...]
    codes: np.ndarray
    n_dropped: int

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(group_name(g) for g in self.groups)

    @property
    def kept(self) -> np.ndarray | slice:
        return slice(None) if self.n_dropped == 0 else self.codes >= 0


_NUMBER = r"(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)"
_BIN_PATTERNS = ((re.compile(f"^<{_NUMBER}$"), 0), (re.compile(f"^{_NUMBER}-{_NUMBER}$"), 1),
                 (re.compile(f"^{_NUMBER}$"), 1), (re.compile(f"^>={_NUMBER}$"), 2))


def label_sort_key(label: str) -> tuple:
    """Order group labels naturally: numbers and bins (``<25``, ``25-45``, ``>=65``) by value,
    before other labels in text order.

    Examples
    --------
    >>> sorted([">=65", "25-45", "<25", "45-65"], key=label_sort_key)
    ['<25', '25-45', '45-65', '>=65']
    """
    for pattern, rank in _BIN_PATTERNS:
        match = pattern.match(label)
        if match:
            return (0, float(match.group(1)), rank, label)
    return (1, 0.0, 0, label)


def _column_codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return np.asarray(column.cat.codes, dtype=np.intp), [str(c) for c in column.cat.categories]
    try:
        codes, uniques = pd.factorize(column, sort=True)
    except TypeError:  # mixed types that cannot be sorted: order by their text
        codes, uniques = pd.factorize(column.map(lambda v: v if pd.isna(v) else str(v)), sort=True)
    labels = [str(u) for u in uniques]
    order = sorted(range(len(labels)), key=lambda i: label_sort_key(labels[i]))
    if order != list(range(len(labels))):
        rank = np.empty(len(labels) + 1, dtype=np.intp)
        rank[np.asarray(order, dtype=np.intp)] = np.arange(len(labels))
        rank[-1] = -1  # missing values keep code -1
        codes = rank[codes]
        labels = [labels[i] for i in order]
    return codes.astype(np.intp, copy=False), labels


def encode_groups(frame: pd.DataFrame, *, nan_policy: NanPolicy = "error",
                  max_groups: int | None = None, require_two_groups: bool = True) -> EncodedGroups:
    """Group code of each row for the intersection of the columns of ``frame``.

    A single feature keeps all its levels (a categorical's unused categories become empty
    groups); an intersection keeps the combinations that occur.

    Raises
    ------
    MissingSensitiveValueError, SingleGroupError, TooManyGroupsError
    """
    features = tuple(frame.columns)
    n = len(frame)
    per_feature: list[tuple[np.ndarray, list[str]]] = []
    dropped = np.zeros(n, dtype=bool)
    for name in features:
        codes, labels = _column_codes(frame[name])
        missing = codes < 0
        n_missing = int(missing.sum())
        if n_missing:
            if nan_policy == "error":
                raise MissingSensitiveValueError(
                    f"sensitive feature {name!r}", "a group label on every row",
                    f"{n_missing:,} missing values (NaN/None) in {n:,} rows", FIX_MISSING_VALUES)
            if nan_policy == "own_group":
                codes = np.where(missing, len(labels), codes)
                labels = [*labels, MISSING_GROUP]
            else:
                dropped |= missing
        per_feature.append((codes, labels))
    if require_two_groups:
        for name, (codes, labels) in zip(features, per_feature):
            kept_codes = codes[~dropped] if dropped.any() else codes
            present = np.flatnonzero(np.bincount(kept_codes, minlength=len(labels)))
            if len(present) < 2:
                got = (f"the single value {labels[int(present[0])]!r} on all {int((~dropped).sum()):,}"
                       " rows" if len(present) == 1 else "no rows")
                raise SingleGroupError(f"sensitive feature {name!r}", "at least two groups", got,
                                       FIX_SINGLE_GROUP)
    if len(features) == 1:
        codes, labels = per_feature[0]
        groups = tuple((label,) for label in labels)
        codes = np.where(dropped, -1, codes) if dropped.any() else codes
    else:
        sizes = [len(labels) for _, labels in per_feature]
        combined = np.zeros(n, dtype=np.int64)
        for (codes, _), size in zip(per_feature, sizes):
            combined = combined * size + np.where(codes < 0, 0, codes)
        total = int(np.prod(sizes, dtype=np.float64))
        kept = ~dropped
        if total <= 10_000_000:
            present = np.flatnonzero(np.bincount(combined[kept], minlength=total))
        else:
            present = np.unique(combined[kept])
        lookup = np.full(total, -1, dtype=np.intp) if total <= 10_000_000 else None
        if lookup is not None:
            lookup[present] = np.arange(len(present))
            codes = lookup[combined]
        else:
            codes = np.searchsorted(present, combined).astype(np.intp)
        codes[dropped] = -1
        groups = []
        for flat in present:
            labels, rest = [], int(flat)
            for (_, feature_labels), size in zip(reversed(per_feature), reversed(sizes)):
                labels.append(feature_labels[rest % size])
                rest //= size
            groups.append(tuple(reversed(labels)))
        groups = tuple(groups)
    if max_groups is not None and len(groups) > max_groups:
        detail = " x ".join(f"{name} ({len(labels)})" for name, (_, labels) in
                            zip(features, per_feature))
        raise TooManyGroupsError(
            f"sensitive features {partition_name(features)!r}", f"at most {max_groups} groups",
            f"{len(groups):,} groups from {detail}", FIX_TOO_MANY_GROUPS)
    return EncodedGroups(features=features, groups=groups, codes=codes,
                         n_dropped=int(dropped.sum()))
