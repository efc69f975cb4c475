"""Small fixtures for the counterfactual tests: a synthetic table and models with known weights."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import torch

from audit.data import build_tabular_dataset


def make_frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    years = rng.integers(0, 21, size=n)            # integer numeric, range 0..20
    hours = rng.integers(10, 61, size=n)           # integer numeric, range 10..60
    plan = rng.choice(["basic", "plus", "pro"], size=n)
    sex = rng.choice(["female", "male"], size=n)
    logit = 0.2 * (years - 10) + 0.05 * (hours - 40) + 1.0 * (plan == "pro") - 0.5 * (sex == "female")
    y = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    return pd.DataFrame({"years": years, "hours": hours, "plan": plan, "sex": sex, "y": y})


@pytest.fixture(scope="session")
def table():
    """Encoded columns: years, hours, plan=basic, plan=plus, plan=pro, sex=female, sex=male."""
    return build_tabular_dataset(make_frame(800, 0), make_frame(200, 1), target="y",
                                 positive_label="yes", sensitive_features=["sex"], seed=0)


def linear(weights, bias: float = 0.0) -> torch.nn.Linear:
    """``Linear(d, 2)`` whose logit margin (class 1 minus class 0) is ``weights @ x + bias``."""
    weights = torch.as_tensor(weights, dtype=torch.float32)
    model = torch.nn.Linear(len(weights), 2)
    with torch.no_grad():
        model.weight.zero_()
        model.bias.zero_()
        model.weight[1] = weights
        model.bias[1] = bias
    return model


@pytest.fixture
def linear_model():
    """Positive when the standardised years and hours are high, the plan is pro, sex is male."""
    return linear([1.0, 0.6, -0.5, 0.0, 1.2, -0.4, 0.4], bias=-0.3)


def all_valid_rows(space, x0: np.ndarray) -> np.ndarray:
    """Every valid encoded row reachable from ``x0`` (immutable features kept): the brute force."""
    options = []
    for i, cols in enumerate(space.columns):
        if not space.mutable[i]:
            options.append([x0[list(cols)]])
        elif space.numeric[i]:
            values = np.arange(space.low[i], space.high[i] + 1)
            options.append([((v - space.mean[i]) / space.scale[i]).astype(np.float32)[None]
                            for v in values])
        else:
            options.append(list(np.eye(len(cols), dtype=np.float32)))
    return np.array([np.concatenate(parts) for parts in itertools.product(*options)],
                    dtype=np.float32)
