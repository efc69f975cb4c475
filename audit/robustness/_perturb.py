"""Prediction stability under small input noise and under plausible one-feature perturbations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from audit.data import TabularPreprocessor
from audit.result import NoiseStability, PerturbationStability
from audit.robustness._counterfactual import categories, with_numeric
from audit.robustness._flips import Predict, checked_scores, flip_rate, from_decisions


def noise_stability(predict: Predict, X: np.ndarray, columns: Sequence[int], scales: Sequence[float],
                    *, threshold: float = 0.5, base_scores: np.ndarray | None = None,
                    seed: int = 0, level: float = 0.95) -> tuple[NoiseStability, ...]:
    """Flip rate when Gaussian noise of each scale is added to the standardized ``columns``.

    The numeric inputs of a :class:`~audit.data.TabularPreprocessor` are standardized, so a
    scale is in standard deviations of the training data. One draw per row and scale, seeded.

    Examples
    --------
    >>> X = np.linspace(-1, 1, 200, dtype=np.float32)[:, None]
    >>> out = noise_stability(lambda X: 1 / (1 + np.exp(-4 * X[:, 0])), X, [0], [0.01, 0.5])
    >>> out[0].overall.flips <= out[1].overall.flips
    True
    """
    n = len(X)
    base = checked_scores(predict(X) if base_scores is None else base_scores, n, "predict(X)")
    rng = np.random.default_rng(seed)
    columns = list(columns)
    out = []
    for scale in scales:
        noisy = X.copy()
        noisy[:, columns] += rng.normal(0.0, scale, size=(n, len(columns))).astype(X.dtype)
        scores = checked_scores(predict(noisy), n, "predict(X)")
        out.append(NoiseStability(scale=float(scale), overall=flip_rate(
            f"noise {scale:g} SD", base, scores, threshold, level=level)))
    return tuple(out)


def perturbation_stability(
    predict: Predict,
    X: np.ndarray,
    raw: pd.DataFrame,
    preprocessor: TabularPreprocessor,
    features: Sequence[str],
    *,
    ranges: Mapping[str, tuple[float, float]],
    fraction: float = 0.05,
    threshold: float = 0.5,
    base_scores: np.ndarray | None = None,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[PerturbationStability, ...]:
    """Flip rate when one feature at a time moves within a plausible range; most sensitive first.

    A numeric feature is shifted down and up by ``fraction`` of its range ``ranges[feature]``
    (clipped to that range; a row counts as flipped when either direction flips it). A
    categorical feature is set, on each row, to another category drawn at random (seeded).

    Returns
    -------
    tuple of PerturbationStability
        Sorted by flip rate, highest first (a sensitivity ranking).
    """
    n = len(X)
    base = checked_scores(predict(X) if base_scores is None else base_scores, n, "predict(X)")
    decision = base >= threshold
    rng = np.random.default_rng(seed)
    out = []
    for feature in features:
        if feature in preprocessor.numeric:
            lo, hi = ranges[feature]
            step = fraction * (hi - lo)
            column = raw[feature].to_numpy(dtype=np.float64)
            flipped = np.zeros(n, dtype=bool)
            worst = np.zeros(n)
            for sign in (-1.0, 1.0):
                moved = np.clip(column + sign * step, lo, hi)
                scores = checked_scores(predict(with_numeric(X, preprocessor, feature, moved)), n,
                                        "predict(X)")
                flipped |= (scores >= threshold) != decision
                worst = np.maximum(worst, np.abs(scores - base))
            out.append(PerturbationStability(
                feature=feature, kind="numeric",
                change=f"shifted by -/+{step:g} ({fraction:.0%} of the range [{lo:g}, {hi:g}]), clipped",
                overall=from_decisions(feature, decision, None, worst, flipped=flipped, level=level)))
        else:
            values = categories(preprocessor, feature)
            if len(values) < 2:
                continue
            columns = np.asarray(preprocessor.feature_groups_[feature])
            lookup = {v: i for i, v in enumerate(values)}
            codes = np.array([lookup.get(v, -1) for v in raw[feature].astype(str)], dtype=np.int64)
            draw = rng.integers(1, len(values), size=n)
            new = np.where(codes >= 0, (codes + draw) % len(values), draw - 1)
            changed_X = X.copy()
            changed_X[:, columns] = 0.0
            changed_X[np.arange(n), columns[new]] = 1.0
            scores = checked_scores(predict(changed_X), n, "predict(X)")
            out.append(PerturbationStability(
                feature=feature, kind="categorical", change="set to another category at random",
                overall=flip_rate(feature, base, scores, threshold, level=level)))
    return tuple(sorted(out, key=lambda p: (-p.overall.rate, p.feature)))

