"""Small, fast fixtures for the explainability tests (no census training here)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from audit.data import build_tabular_dataset
from audit.models import TabularMLP
from audit.training import fit, seed_everything


def make_frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sex = rng.choice(["female", "male"], size=n)
    # "role" is a proxy of sex: mostly determined by it
    role = np.where(rng.random(n) < 0.85, np.where(sex == "male", "husband", "wife"), "other")
    x1 = rng.normal(size=n)
    x2 = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], size=n)
    logit = 2.0 * x1 - 1.0 * x2 + 1.5 * (role == "husband") + 0.5 * (colour == "red")
    y = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    return pd.DataFrame({"x1": x1, "x2": x2, "colour": colour, "role": role, "sex": sex, "y": y})


@pytest.fixture(scope="session")
def tiny_dataset():
    """A 4-feature table (2 numeric, 2 one-hot) plus a sensitive feature ``sex``."""
    return build_tabular_dataset(make_frame(600, 0), make_frame(300, 1), target="y",
                                 positive_label="yes", sensitive_features=["sex"], seed=0)


@pytest.fixture(scope="session")
def tiny_model(tiny_dataset):
    """A small MLP trained for a few epochs on ``tiny_dataset`` (well under a second)."""
    seed_everything(0)
    model = TabularMLP(tiny_dataset.n_features, hidden_sizes=(16,), dropout=0.0)
    run = fit(model, tiny_dataset.train.to_torch(), epochs=5, batch_size=64,
              learning_rate=0.01, progress=False, device="cpu")
    return run.model


@pytest.fixture
def linear_model():
    """``Linear(5, 2)`` with known weights: logit_1 - logit_0 has weights ``w1 - w0``."""
    model = torch.nn.Linear(5, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.5, -1.0, 0.0, 2.0, 1.0],
                                         [1.5, 1.0, -2.0, 0.5, 1.0]]))
        model.bias.copy_(torch.tensor([0.1, -0.3]))
    return model


@pytest.fixture
def linear_groups():
    return {"a": (0,), "b": (1, 2), "c": (3, 4)}
