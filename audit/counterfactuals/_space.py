"""The space counterfactuals live in: which encoded columns may change, and to what.

Built from a :class:`~audit.data.TabularDataset`: numeric features are standard-scaled columns
kept inside their training range (in original units, integral for integer columns); categorical
features are one-hot groups; immutable features never change. Costs are measured per original
feature (:data:`COST_METRICS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from audit.counterfactuals._errors import NothingMutableError, UnknownCostMetricError, UnknownFeatureError
from audit.errors import suggest

if TYPE_CHECKING:  # pragma: no cover
    from audit.data import TabularDataset

#: Cost metrics: numeric changes in units of the training median absolute deviation ("mad_l1",
#: the measure of Wachter et al. 2017 and DiCE) or of the standard deviation ("std_l1"), plus 1
#: per changed categorical feature; "n_changed" counts changed features only.
COST_METRICS: dict[str, str] = {
    "mad_l1": "sum of |numeric change| / MAD (for zero-inflated columns, the MAD of their "
              "non-median values) + 1 per changed categorical feature",
    "std_l1": "sum of |numeric change| / standard deviation + 1 per changed categorical feature",
    "n_changed": "number of features changed",
}

#: Numeric values within this distance of an integer (in original units) count as integral.
INTEGER_TOLERANCE = 1e-3


def check_cost_metric(name: str) -> str:
    """``name`` if it is a known cost metric, else :class:`UnknownCostMetricError`.

    Examples
    --------
    >>> check_cost_metric("mad_l1")
    'mad_l1'
    """
    if name not in COST_METRICS:
        raise UnknownCostMetricError("cost metric", f"one of {sorted(COST_METRICS)}", repr(name),
                                     "pick one of them." + suggest(str(name), COST_METRICS))
    return name


@dataclass(frozen=True, eq=False)
class FeatureSpace:
    """Encoded-column layout, valid ranges, costs and immutability of a tabular dataset.

    Attributes
    ----------
    features : tuple of str
        Original features in encoded-column order.
    columns : list of tuple of int
        Encoded columns of each feature.
    numeric : numpy.ndarray
        Bool per feature: numeric (one scaled column) or categorical (one-hot group).
    mutable : numpy.ndarray
        Bool per feature.
    mean, scale : numpy.ndarray
        Scaler parameters of the numeric columns, per feature (NaN for categorical ones).
    low, high : numpy.ndarray
        Training range of numeric features in original units.
    integer : numpy.ndarray
        Numeric features whose training values are all integers.
    unit : numpy.ndarray
        Cost of one original unit of change of each numeric feature (1 / MAD or 1 / std).
    categories : list of tuple of str
        Category names of each categorical feature (empty for numeric ones).
    cost_metric : str
    """

    features: tuple[str, ...]
    columns: list[tuple[int, ...]]
    numeric: np.ndarray
    mutable: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    low: np.ndarray
    high: np.ndarray
    integer: np.ndarray
    unit: np.ndarray
    categories: list[tuple[str, ...]]
    cost_metric: str
    n_columns: int

    @property
    def immutable(self) -> tuple[str, ...]:
        return tuple(f for f, m in zip(self.features, self.mutable) if not m)

    def index(self, feature: int) -> slice | list[int]:
        """Encoded columns of ``feature`` as a slice when contiguous (a cheap view), else a list."""
        cols = self.columns[feature]
        if list(cols) == list(range(cols[0], cols[-1] + 1)):
            return slice(cols[0], cols[-1] + 1)
        return list(cols)

    def column_matrix(self) -> np.ndarray:
        """Bool ``(n_features, n_columns)``: which encoded columns belong to each feature."""
        out = np.zeros((len(self.features), self.n_columns), dtype=bool)
        for i, cols in enumerate(self.columns):
            out[i, list(cols)] = True
        return out

    # --- conversions -----------------------------------------------------------------------

    def decode_numeric(self, X: np.ndarray, feature: int) -> np.ndarray:
        """Original units of numeric ``feature`` from encoded rows."""
        return X[:, self.columns[feature][0]].astype(np.float64) * self.scale[feature] + self.mean[feature]

    def value_text(self, x: np.ndarray, feature: int) -> str:
        """One encoded row's value of ``feature`` as text, in original units or category names."""
        if self.numeric[feature]:
            value = float(self.decode_numeric(x[None, :], feature)[0])
            if self.integer[feature] or abs(value) >= 1e4:
                return f"{round(value):d}"
            return f"{value:.4g}"
        block = x[list(self.columns[feature])]
        if not block.any():
            return "(unknown category)"
        return self.categories[feature][int(np.argmax(block))]

    # --- constraints and costs ----------------------------------------------------------------

    def project(self, X: torch.Tensor, X0: torch.Tensor) -> torch.Tensor:
        """Nearest valid encoded rows: numeric values rounded (integer columns) and clipped to the
        training range in original units, one-hot groups set to their largest entry; immutable
        features and one-hot groups left at no category (unknown in the data) stay as in ``X0``."""
        out = X.detach().clone()
        for i, cols in enumerate(self.columns):
            at = self.index(i)
            if not self.mutable[i]:
                out[:, at] = X0[:, at]
            elif self.numeric[i]:
                c = cols[0]
                value = X[:, c].double() * self.scale[i] + self.mean[i]
                original = X0[:, c].double() * self.scale[i] + self.mean[i]
                if self.integer[i]:
                    value, original = torch.round(value), torch.round(original)
                # an unchanged value stays as X0 (re-encoding may differ in the last bit, and an
                # original outside the training range is not a change the search asked for)
                same = value == original
                value = value.clamp(self.low[i], self.high[i])
                encoded = ((value - self.mean[i]) / self.scale[i]).to(X.dtype)
                out[:, c] = torch.where(same, X0[:, c], encoded)
            else:
                block, block0 = X[:, at], X0[:, at]
                one_hot = torch.nn.functional.one_hot(block.argmax(dim=1), len(cols)).to(X.dtype)
                keep = (block0.sum(dim=1) == 0) & (block.max(dim=1).values <= 0.5)
                out[:, at] = torch.where(keep[:, None], block0, one_hot)
        return out

    def changed(self, X: np.ndarray, X0: np.ndarray) -> np.ndarray:
        """Bool ``(n_rows, n_features)``: features whose encoded value differs from ``X0``."""
        diff = X != X0
        return np.stack([diff[:, self.index(i)].any(axis=1) for i in range(len(self.columns))],
                        axis=1)

    def feature_costs(self, X: np.ndarray, X0: np.ndarray) -> np.ndarray:
        """Cost of each feature's change, ``(n_rows, n_features)``, under ``cost_metric``."""
        changed = self.changed(X, X0)
        if self.cost_metric == "n_changed":
            return changed.astype(np.float64)
        out = changed.astype(np.float64)
        for i in np.flatnonzero(self.numeric):
            new, old = self.decode_numeric(X, i), self.decode_numeric(X0, i)
            if self.integer[i]:
                new, old = np.round(new), np.round(old)
            delta = np.abs(new - old)
            out[:, i] = np.where(changed[:, i], delta * self.unit[i], 0.0)
        return out

    def violations(self, X: np.ndarray, X0: np.ndarray) -> np.ndarray:
        """Bool per row: some constraint is broken (an immutable feature changed, a numeric value
        outside its range or not integral, a categorical group not one-hot)."""
        bad = np.zeros(len(X), dtype=bool)
        for i in range(len(self.columns)):
            block, block0 = X[:, self.index(i)], X0[:, self.index(i)]
            if not self.mutable[i]:
                bad |= (block != block0).any(axis=1)
            elif self.numeric[i]:
                # an unchanged value may lie outside the training range; a changed one may not
                moved = (block != block0).any(axis=1)
                value = self.decode_numeric(X, i)
                # float32 encoding of value: error up to eps * |encoded| * scale in original units
                tol = INTEGER_TOLERANCE + float(np.finfo(np.float32).eps) * self.scale[i] * (
                    1.0 + np.abs(block[:, 0].astype(np.float64)))
                outside = (value < self.low[i] - tol) | (value > self.high[i] + tol)
                if self.integer[i]:
                    outside |= np.abs(value - np.round(value)) > tol
                bad |= moved & outside
            else:
                one_hot = np.isin(block, (0.0, 1.0)).all(axis=1) & (block.sum(axis=1) == 1)
                bad |= ~(one_hot | (block == block0).all(axis=1))
        return bad


def _mad(values: np.ndarray) -> float:
    """Median absolute deviation; for a column where most values equal the median (zero-inflated
    like capital gains, MAD 0) the MAD of the values that differ from it, so one unit of cost is
    a typical change among the rows that have one (0 when all values are equal)."""
    median = np.median(values)
    mad = float(np.median(np.abs(values - median)))
    if mad == 0:
        others = values[values != median]
        mad = float(np.median(np.abs(others - np.median(others)))) if len(others) else 0.0
    return mad


def _default_immutable(dataset: TabularDataset) -> tuple[str, ...]:
    return tuple(f for f in dataset.sensitive_features if f in dataset.feature_groups)


def feature_space(dataset: TabularDataset, immutable: Sequence[str] | None = None, *,
                  cost: str = "mad_l1") -> FeatureSpace:
    """The counterfactual space of ``dataset``.

    Parameters
    ----------
    dataset : TabularDataset
    immutable : sequence of str, optional
        Original features that never change. Default: the dataset's sensitive features that are
        model inputs (for Adult: sex, race, age).
    cost : {"mad_l1", "std_l1", "n_changed"}

    Raises
    ------
    UnknownFeatureError
        A name in ``immutable`` is not an original feature (the message lists them).
    UnknownCostMetricError
    NothingMutableError
        Every feature is immutable.
    """
    check_cost_metric(cost)
    groups = dataset.feature_groups
    immutable = _default_immutable(dataset) if immutable is None else tuple(immutable)
    unknown = [f for f in immutable if f not in groups]
    if unknown:
        raise UnknownFeatureError(
            f"immutable feature {unknown[0]!r}", f"one of the original features {list(groups)}",
            repr(unknown[0]), "name features as in the raw table." + suggest(unknown[0], groups))
    pre = dataset.preprocessor
    scaler = pre.transformer_.named_transformers_["num"] if pre.numeric else None
    encoder = pre.transformer_.named_transformers_["cat"] if pre.categorical else None
    raw = dataset.train.raw
    features = tuple(groups)
    n = len(features)
    numeric = np.array([f in pre.numeric for f in features])
    mean, scale = np.full(n, np.nan), np.full(n, np.nan)
    low, high, unit = np.full(n, np.nan), np.full(n, np.nan), np.ones(n)
    integer = np.zeros(n, dtype=bool)
    categories: list[tuple[str, ...]] = []
    for i, f in enumerate(features):
        if numeric[i]:
            j = pre.numeric.index(f)
            mean[i], scale[i] = float(scaler.mean_[j]), float(scaler.scale_[j])
            values = raw[f].to_numpy(dtype=np.float64)
            low[i], high[i] = float(values.min()), float(values.max())
            integer[i] = bool(np.all(values == np.round(values)))
            std = float(values.std()) or 1.0
            spread = std if cost == "std_l1" else _mad(values) or std
            unit[i] = 1.0 / spread
            categories.append(())
        else:
            categories.append(tuple(str(c) for c in encoder.categories_[pre.categorical.index(f)]))
    mutable = np.array([f not in immutable for f in features])
    if not mutable.any():
        raise NothingMutableError("immutable", "at least one mutable feature",
                                  f"all {n} features immutable", "leave some features mutable")
    return FeatureSpace(features=features, columns=[tuple(groups[f]) for f in features],
                        numeric=numeric, mutable=mutable, mean=mean, scale=scale, low=low,
                        high=high, integer=integer, unit=unit, categories=categories,
                        cost_metric=cost, n_columns=dataset.n_features)
