"""Decision-threshold sensitivity of accuracy and of fairness disparities.

Disparities use the fairness module's count helpers (the definitions of fairlearn's
``demographic_parity_difference`` and ``equalized_odds_difference``, tested equal): one
``(group, y_true, y_pred)`` count table per threshold, all thresholds at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from audit.core import disparities_from_metrics, encode_groups, metrics_from_counts
from audit.result import ThresholdCurve, ThresholdSensitivity
from audit.robustness._errors import RobustnessInputError

#: Disparities drawn per sensitive feature.
THRESHOLD_DISPARITIES = ("demographic_parity_difference", "equalized_odds_difference")


def _counts(y_true: np.ndarray, scores: np.ndarray, codes: np.ndarray, n_groups: int,
            thresholds: np.ndarray) -> np.ndarray:
    """Counts of shape ``(T, G, 2, 2)`` indexed ``[t, group, y_true, y_pred]``."""
    keep = codes >= 0
    y, s, g = y_true[keep], scores[keep], codes[keep]
    pred = (s[None, :] >= thresholds[:, None]).astype(np.intp)
    key = (np.arange(len(thresholds))[:, None] * n_groups + g[None, :]) * 4 + y[None, :] * 2 + pred
    return np.bincount(key.ravel(), minlength=len(thresholds) * n_groups * 4).reshape(
        len(thresholds), n_groups, 2, 2)


def _curve(metric: str, feature: str, values: np.ndarray, grid_len: int, h: float) -> ThresholdCurve:
    grid_values, at, down, up = values[:grid_len], values[grid_len], values[grid_len + 1], values[grid_len + 2]
    defined = grid_values[~np.isnan(grid_values)]
    return ThresholdCurve(
        metric=metric, feature=feature, values=tuple(float(v) for v in grid_values),
        at_operating=float(at), low=float(defined.min()) if len(defined) else float("nan"),
        high=float(defined.max()) if len(defined) else float("nan"), slope=float((up - down) / (2 * h)))


def threshold_sensitivity(y_true: Sequence[int], scores: Sequence[float],
                          sensitive_features: pd.DataFrame, *, thresholds: Sequence[float],
                          operating_threshold: float = 0.5, step: float | None = None
                          ) -> ThresholdSensitivity:
    """Accuracy and, per sensitive feature, demographic parity and equalized odds differences
    over ``thresholds``, with the slope of each at ``operating_threshold``.

    Parameters
    ----------
    y_true : array-like of 0/1
    scores : array-like of float in [0, 1]
    sensitive_features : pandas.DataFrame
        One column of group labels per sensitive feature.
    thresholds : sequence of float
        The grid (predictions are ``score >= t``).
    operating_threshold : float
    step : float, optional
        Half-width of the central difference (default: the smallest grid spacing).

    Examples
    --------
    >>> ts = threshold_sensitivity([1, 0, 1, 0], [.9, .2, .4, .6], pd.DataFrame({"g": list("aabb")}),
    ...                            thresholds=[0.3, 0.5, 0.7])
    >>> [round(v, 2) for v in ts.curves[0].values]
    [0.75, 0.5, 0.75]
    """
    y = np.asarray(y_true, dtype=np.intp)
    s = np.asarray(scores, dtype=np.float64)
    if len(y) != len(s) or len(s) != len(sensitive_features):
        raise RobustnessInputError(
            "threshold_sensitivity", "y_true, scores and sensitive_features for the same rows",
            f"lengths {len(y)}, {len(s)}, {len(sensitive_features)}", "pass the same rows to each")
    grid = np.asarray(sorted(thresholds), dtype=np.float64)
    # rounded so that a grid such as 0.05, 0.10, ... gives h = 0.05, not 0.04999...
    h = round(float(step if step is not None else np.diff(grid).min()), 10)
    t = float(operating_threshold)
    points = np.concatenate([grid, [t, t - h, t + h]])
    pred = s[None, :] >= points[:, None]
    accuracy = (pred == (y[None, :] == 1)).mean(axis=1)
    curves = [_curve("accuracy", "", accuracy, len(grid), h)]
    for feature in sensitive_features.columns:
        enc = encode_groups(sensitive_features[[feature]], nan_policy="drop", require_two_groups=False)
        counts = _counts(y, s, enc.codes, len(enc.groups), points)
        disparities = disparities_from_metrics(metrics_from_counts(counts))
        curves += [_curve(name, str(feature), disparities[name], len(grid), h)
                   for name in THRESHOLD_DISPARITIES]
    return ThresholdSensitivity(thresholds=tuple(float(v) for v in grid), operating_threshold=t,
                                step=h, curves=tuple(curves))
