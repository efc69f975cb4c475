"""Counterfactual stability of a tabular model: change only a sensitive attribute, count flips.

The changed rows are built in the original feature space and re-encoded the way the dataset's
:class:`~audit.data.TabularPreprocessor` encodes them: a categorical value becomes its one-hot
column, a numeric value ``(x - mean) / scale`` of the fitted scaler. Writing those columns
directly (instead of calling ``preprocessor.transform`` on a changed frame) gives the same
matrix, bit for bit (tested), and costs one copy per counterfactual.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from audit.data import TabularPreprocessor
from audit.errors import suggest
from audit.result import CounterfactualFeature, FlipRate
from audit.robustness._errors import UnknownFeatureError
from audit.robustness._flips import Predict, checked_scores, flip_rate, from_decisions


def categories(preprocessor: TabularPreprocessor, feature: str) -> list[str]:
    """The categories of an encoded categorical feature, as strings, in column order."""
    index = preprocessor.categorical.index(feature)
    encoder = preprocessor.transformer_.named_transformers_["cat"]
    return [str(c) for c in encoder.categories_[index]]


def with_category(X: np.ndarray, preprocessor: TabularPreprocessor, feature: str,
                  value: str) -> np.ndarray:
    """``X`` with every row's ``feature`` set to the category ``value`` (one-hot columns)."""
    columns = preprocessor.feature_groups_[feature]
    out = X.copy()
    out[:, columns] = 0.0
    out[:, columns[categories(preprocessor, feature).index(str(value))]] = 1.0
    return out


def encode_numeric(preprocessor: TabularPreprocessor, feature: str, raw: np.ndarray) -> np.ndarray:
    """Raw values of a numeric feature encoded as the fitted scaler does (float32)."""
    scaler = preprocessor.transformer_.named_transformers_["num"]
    j = preprocessor.numeric.index(feature)
    return ((np.asarray(raw, dtype=np.float64) - scaler.mean_[j]) / scaler.scale_[j]).astype(np.float32)


def with_numeric(X: np.ndarray, preprocessor: TabularPreprocessor, feature: str,
                 raw: np.ndarray) -> np.ndarray:
    """``X`` with ``feature`` replaced by the raw values ``raw`` (encoded)."""
    out = X.copy()
    out[:, preprocessor.feature_groups_[feature][0]] = encode_numeric(preprocessor, feature, raw)
    return out


def kind_of(preprocessor: TabularPreprocessor, feature: str, raw: pd.DataFrame | None = None) -> str:
    """``"categorical"`` or ``"numeric"`` for a feature (a non-input by its raw dtype)."""
    if feature in preprocessor.categorical:
        return "categorical"
    if feature in preprocessor.numeric:
        return "numeric"
    if raw is not None and feature in raw and pd.api.types.is_numeric_dtype(raw[feature]):
        return "numeric"
    return "categorical"


def check_features(features: Sequence[str], known: Sequence[str], where: str) -> None:
    """Refuse names that are neither sensitive features nor model inputs."""
    for name in features:
        if name not in known:
            raise UnknownFeatureError(
                f"{where}: {name!r}", f"one of {sorted(known)}", repr(name),
                "use a column of the dataset." + suggest(name, known))


def _shift_label(shift: float) -> str:
    return f"{shift:+g}"


def counterfactual_stability(
    predict: Predict,
    X: np.ndarray,
    raw: pd.DataFrame,
    preprocessor: TabularPreprocessor,
    feature: str,
    *,
    threshold: float = 0.5,
    shifts: Sequence[float] | None = None,
    value_range: tuple[float, float] | None = None,
    base_scores: np.ndarray | None = None,
    level: float = 0.95,
) -> CounterfactualFeature:
    """Flip rate of the decisions when only ``feature`` changes.

    A categorical feature is set, for every row, to each other category; a numeric one is
    shifted by each of ``shifts`` (its own units) and clipped to ``value_range``. A row counts
    as flipped in ``overall`` when any of its counterfactuals changes the decision.

    Parameters
    ----------
    predict : callable
        ``predict(X) -> scores`` in [0, 1] for encoded rows.
    X : numpy.ndarray
        Encoded rows (``split.X``).
    raw : pandas.DataFrame
        The same rows' original feature columns (``split.raw``).
    preprocessor : TabularPreprocessor
        The fitted encoder of the dataset.
    feature : str
    threshold : float
        Decision threshold on the score.
    shifts : sequence of float, optional
        Numeric shifts (default: minus and plus one standard deviation of the scaler).
    value_range : (float, float), optional
        Plausible range of a numeric feature (default: no clipping).
    base_scores : numpy.ndarray, optional
        ``predict(X)`` when already computed.
    level : float
        Confidence level of the Clopper-Pearson intervals.

    Returns
    -------
    CounterfactualFeature

    Examples
    --------
    >>> import torch
    >>> from audit.data import build_tabular_dataset, example_people
    >>> from audit.training import fit
    >>> people = example_people()
    >>> ds = build_tabular_dataset(people[:400], people[400:], target="income",
    ...                            sensitive_features=["sex"])
    >>> _ = torch.manual_seed(0)
    >>> model = torch.nn.Sequential(torch.nn.Linear(ds.n_features, 8), torch.nn.ReLU(),
    ...                             torch.nn.Linear(8, 2))
    >>> _ = fit(model, ds.train.to_torch(), epochs=5, batch_size=32, learning_rate=0.05,
    ...         progress=False)
    >>> from audit.models import predict_proba
    >>> cf = counterfactual_stability(lambda X: predict_proba(model, X), ds.test.X, ds.test.raw,
    ...                               ds.preprocessor, "sex")
    >>> [(r.label, r.flips, r.n) for r in cf.by_change]
    [('Male -> Female', 21, 119), ('Female -> Male', 17, 81)]
    """
    n = len(X)
    base = checked_scores(predict(X) if base_scores is None else base_scores, n, "predict(X)")
    decision = base >= threshold
    kind = kind_of(preprocessor, feature, raw)
    if feature not in preprocessor.feature_groups_:
        empty = from_decisions("any change", decision, decision, np.zeros(n), level=level)
        return CounterfactualFeature(
            feature=feature, kind=kind, model_input=False, change="not changed (not a model input)",
            overall=empty,
            note=(f"{feature} is not a model input, so changing it cannot change a prediction: "
                  "the flip rate is 0 by construction. Proxies of it (correlated inputs) are not "
                  "changed here; see the explainability section's proxy check."))
    flipped = np.zeros(n, dtype=bool)
    worst_delta = np.zeros(n)
    touched = np.zeros(n, dtype=bool)
    by_change: list[FlipRate] = []
    if kind == "categorical":
        values = categories(preprocessor, feature)
        original = raw[feature].astype(str).to_numpy()
        present = [g for g in values if (original == g).any()]
        for value in values:
            scores = checked_scores(predict(with_category(X, preprocessor, feature, value)), n,
                                    "predict(X)")
            moved = original != value
            changed = moved & ((scores >= threshold) != decision)
            delta = np.where(moved, np.abs(scores - base), 0.0)
            flipped |= changed
            touched |= moved
            worst_delta = np.maximum(worst_delta, delta)
            for group in present:
                if group != value:
                    by_change.append(flip_rate(f"{group} -> {value}", base, scores, threshold,
                                               mask=original == group, level=level))
        change = ("swapped to the other category" if len(values) == 2
                  else f"set to each of the other {len(values) - 1} categories")
    else:
        column = raw[feature].to_numpy(dtype=np.float64)
        if shifts is None:
            scale = float(preprocessor.transformer_.named_transformers_["num"].scale_[
                preprocessor.numeric.index(feature)])
            shifts = [-scale, scale]
        lo, hi = value_range if value_range is not None else (-np.inf, np.inf)
        for shift in shifts:
            moved_values = np.clip(column + shift, lo, hi)
            moved = moved_values != column
            scores = checked_scores(predict(with_numeric(X, preprocessor, feature, moved_values)), n,
                                    "predict(X)")
            changed = moved & ((scores >= threshold) != decision)
            flipped |= changed
            touched |= moved
            worst_delta = np.maximum(worst_delta, np.where(moved, np.abs(scores - base), 0.0))
            by_change.append(flip_rate(_shift_label(shift), base, scores, threshold, mask=moved,
                                       level=level))
        bounds = "" if value_range is None else f", clipped to the training range [{lo:g}, {hi:g}]"
        change = f"shifted by {', '.join(_shift_label(s) for s in shifts)}{bounds}"
    overall = from_decisions("any change", decision[touched], None, worst_delta[touched],
                             flipped=flipped[touched], level=level)
    return CounterfactualFeature(feature=feature, kind=kind, model_input=True, change=change,
                                 overall=overall, by_change=tuple(by_change))
