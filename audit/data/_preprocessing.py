"""Tabular preprocessing: a scikit-learn ColumnTransformer fitted on the training rows only,
saved as plain JSON (never a pickle) and rebuilt from it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import OneHotEncoder, StandardScaler

FORMAT_VERSION = 1


class TabularPreprocessor:
    """Standard-scales numeric columns and one-hot encodes categorical ones.

    Parameters
    ----------
    numeric, categorical : sequence of str
        Raw column names of each kind.

    Attributes
    ----------
    transformer_ : sklearn.compose.ColumnTransformer
        The fitted transformer.
    feature_names_ : tuple of str
        Encoded column names: ``age`` for numeric columns, ``occupation=Sales`` for one-hot ones.
    feature_groups_ : dict of str to tuple of int
        For each raw column, the encoded column indices it became (attributions aggregate over it).
    """

    def __init__(self, numeric: Sequence[str], categorical: Sequence[str]) -> None:
        self.numeric = list(numeric)
        self.categorical = list(categorical)

    def _make_transformer(self, categories: list[list[str]] | str = "auto") -> ColumnTransformer:
        # A part with no columns is left out: ColumnTransformer would keep it unfitted.
        parts = []
        if self.numeric:
            parts.append(("num", StandardScaler(), self.numeric))
        if self.categorical:
            parts.append(("cat", OneHotEncoder(categories=categories, handle_unknown="ignore",
                                               sparse_output=False, dtype=np.float32), self.categorical))
        return ColumnTransformer(parts, remainder="drop", verbose_feature_names_out=False)

    def _categories(self) -> list[np.ndarray]:
        """The one-hot categories of each categorical column (none without categorical columns)."""
        return list(self.transformer_.named_transformers_["cat"].categories_) if self.categorical else []

    def _scaler_state(self) -> dict[str, Any]:
        if not self.numeric:
            return {"mean": [], "scale": [], "var": [], "n_samples_seen": 0}
        scaler: StandardScaler = self.transformer_.named_transformers_["num"]
        return {"mean": [float(v) for v in scaler.mean_], "scale": [float(v) for v in scaler.scale_],
                "var": [float(v) for v in scaler.var_], "n_samples_seen": int(scaler.n_samples_seen_)}

    def fit(self, frame: pd.DataFrame) -> TabularPreprocessor:
        """Fit on ``frame`` (the training rows only) and return ``self``."""
        self.transformer_ = self._make_transformer().fit(frame[self.numeric + self.categorical])
        self._set_names()
        return self

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """Encode ``frame`` to a float32 matrix of width ``len(feature_names_)``."""
        encoded = self.transformer_.transform(frame[self.numeric + self.categorical])
        return np.ascontiguousarray(encoded, dtype=np.float32)

    def inverse_transform(self, X: np.ndarray) -> pd.DataFrame:
        """Raw columns (numeric, then categorical) back from encoded rows.

        Numeric columns are unscaled; each one-hot group becomes the category of its largest
        entry, so a row that is not exactly one category (a training-mean baseline holds the
        category frequencies; a relaxed search row holds a softmax) reads as its most likely
        category, and a row of zeros (a category unseen in training) as the first category.

        Examples
        --------
        >>> frame = pd.DataFrame({"x": [1.0, 3.0], "g": ["a", "b"]})
        >>> pre = TabularPreprocessor(["x"], ["g"]).fit(frame)
        >>> pre.inverse_transform(pre.transform(frame)).to_dict("list")
        {'x': [1.0, 3.0], 'g': ['a', 'b']}
        """
        X = np.asarray(X, dtype=np.float64)
        columns: dict[str, Any] = {}
        if self.numeric:
            scaler: StandardScaler = self.transformer_.named_transformers_["num"]
            numeric = X[:, [self.feature_groups_[c][0] for c in self.numeric]]
            unscaled = numeric * scaler.scale_ + scaler.mean_
            columns.update({c: unscaled[:, i] for i, c in enumerate(self.numeric)})
        for column, cats in zip(self.categorical, self._categories()):
            block = X[:, list(self.feature_groups_[column])]
            columns[column] = np.asarray(cats, dtype=object)[block.argmax(axis=1)]
        return pd.DataFrame(columns, columns=self.numeric + self.categorical)

    def _set_names(self) -> None:
        names: list[str] = list(self.numeric)
        groups: dict[str, tuple[int, ...]] = {c: (i,) for i, c in enumerate(self.numeric)}
        offset = len(self.numeric)
        for column, cats in zip(self.categorical, self._categories()):
            groups[column] = tuple(range(offset, offset + len(cats)))
            names.extend(f"{column}={c}" for c in cats)
            offset += len(cats)
        self.feature_names_ = tuple(names)
        self.feature_groups_ = groups

    def to_dict(self) -> dict[str, Any]:
        """The fitted parameters as JSON-ready data."""
        return {
            "format_version": FORMAT_VERSION,
            "numeric": self.numeric,
            "categorical": self.categorical,
            **self._scaler_state(),
            "categories": [[str(c) for c in cats] for cats in self._categories()],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TabularPreprocessor:
        """Rebuild a fitted preprocessor from :meth:`to_dict` output, with no pickle involved."""
        self = cls(data["numeric"], data["categorical"])
        # Fit on a frame made of the saved categories (explicit categories make that exact),
        # then restore the scaler's learned statistics.
        n = max([1, *map(len, data["categories"])])
        stub = {c: np.zeros(n) for c in self.numeric}
        for column, cats in zip(self.categorical, data["categories"]):
            stub[column] = [cats[i % len(cats)] for i in range(n)]
        self.transformer_ = self._make_transformer(categories=data["categories"]).fit(
            pd.DataFrame(stub))
        if self.numeric:
            scaler: StandardScaler = self.transformer_.named_transformers_["num"]
            scaler.mean_ = np.asarray(data["mean"], dtype=np.float64)
            scaler.scale_ = np.asarray(data["scale"], dtype=np.float64)
            scaler.var_ = np.asarray(data["var"], dtype=np.float64)
            scaler.n_samples_seen_ = data["n_samples_seen"]
        self._set_names()
        return self
