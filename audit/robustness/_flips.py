"""Counting decision flips between two score vectors, with exact intervals."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from audit.core import clopper_pearson
from audit.result import FlipRate, Interval
from audit.robustness._errors import RobustnessInputError

#: ``predict(X) -> scores``: probability of the favourable outcome for each row of ``X``.
Predict = Callable[[np.ndarray], np.ndarray]


def checked_scores(scores: object, n: int, where: str) -> np.ndarray:
    """Scores as a float vector of length ``n`` in [0, 1]; a 2-column output gives column 1."""
    arr = np.asarray(scores, dtype=np.float64)
    if arr.ndim == 2 and arr.shape[1] == 2:
        arr = arr[:, 1]
    if arr.ndim != 1 or len(arr) != n:
        raise RobustnessInputError(
            where, f"a vector of {n} probabilities (or an ({n}, 2) array of class probabilities)",
            f"an array of shape {arr.shape}",
            "return the probability of the favourable class for each input, e.g. proba[:, 1]")
    if not np.all(np.isfinite(arr)) or arr.min(initial=0.0) < 0 or arr.max(initial=0.0) > 1:
        raise RobustnessInputError(
            where, "probabilities in [0, 1]", "values outside [0, 1] or non-finite values",
            "return probabilities (e.g. softmax of the logits), not logits or decision scores")
    return arr


def flip_rate(label: str, base: np.ndarray, other: np.ndarray, threshold: float, *,
              mask: np.ndarray | None = None, level: float = 0.95) -> FlipRate:
    """Decisions ``score >= threshold`` of ``base`` and ``other`` compared row by row.

    Parameters
    ----------
    label : str
        What was changed.
    base, other : numpy.ndarray
        Scores of the same rows before and after the change.
    threshold : float
    mask : numpy.ndarray of bool, optional
        Rows to count (default: all).
    level : float
        Confidence level of the Clopper-Pearson interval.

    Examples
    --------
    >>> fr = flip_rate("x", np.array([0.2, 0.6, 0.7]), np.array([0.6, 0.6, 0.3]), 0.5)
    >>> fr.flips, fr.to_positive, fr.to_negative, round(fr.mean_abs_delta, 3)
    (2, 1, 1, 0.267)
    """
    base = np.asarray(base, dtype=np.float64)
    other = np.asarray(other, dtype=np.float64)
    if mask is not None:
        base, other = base[mask], other[mask]
    return from_decisions(label, base >= threshold, other >= threshold, np.abs(other - base),
                          level=level)


def from_decisions(label: str, base: np.ndarray, flipped_to: np.ndarray | None,
                   abs_delta: np.ndarray, *, flipped: np.ndarray | None = None,
                   level: float = 0.95) -> FlipRate:
    """A :class:`FlipRate` from base decisions and either the new decisions or a flip mask."""
    base = np.asarray(base, dtype=bool)
    changed = np.asarray(flipped, dtype=bool) if flipped is not None else base != flipped_to
    n, k = len(base), int(changed.sum())
    low, high = clopper_pearson(k, n, level)
    return FlipRate(
        label=label, n=n, flips=k, rate=k / n if n else float("nan"),
        interval=Interval(float(low), float(high), level, "Clopper-Pearson"),
        to_positive=int((changed & ~base).sum()), to_negative=int((changed & base).sum()),
        mean_abs_delta=float(abs_delta.mean()) if n else 0.0,
        max_abs_delta=float(abs_delta.max()) if n else 0.0)
