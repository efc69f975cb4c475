"""Shared fixtures of the robustness tests: Adult and a logistic regression scoring it."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression


@pytest.fixture(scope="session")
def scorer(adult):
    """``predict(X) -> P(y=1)`` of a logistic regression on the Adult training rows."""
    clf = LogisticRegression(max_iter=300).fit(adult.train.X, adult.train.y)

    def predict(X: np.ndarray) -> np.ndarray:
        return clf.predict_proba(X)[:, 1]

    predict.coef = clf.coef_[0]  # type: ignore[attr-defined]
    return predict
