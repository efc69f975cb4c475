"""Models the project did not build, as a user would bring them, and the table they are audited
on: a seeded synthetic table with a planted group disparity and a planted proxy.

Importable by path from configs (``model: {factory: "tests.own_models:build_one_logit"}``).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import torch
from torch import nn

FEATURES = ["score", "years", "sex", "zone", "region"]
NUMERIC = ["score", "years"]
CATEGORICAL = ["sex", "zone", "region"]


def people(n: int, seed: int) -> pd.DataFrame:
    """``approved`` (yes/no) depends on ``score`` and ``years``, and group ``B`` of ``sex`` is
    approved less often at the same score (the planted disparity). ``zone`` is a planted proxy
    of ``sex`` (the same as sex's zone for 95% of rows); ``region`` is noise."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["A", "B"], n, p=[0.6, 0.4])
    score = rng.normal(0, 1, n)
    years = rng.integers(0, 30, n)
    logit = 1.5 * score + 0.05 * (years - 15) - 1.5 * (sex == "B")
    approved = rng.random(n) < 1 / (1 + np.exp(-logit))
    zone = np.where(sex == "A", "east", "west")
    flip = rng.random(n) < 0.05
    zone = np.where(flip, np.where(zone == "east", "west", "east"), zone)
    return pd.DataFrame({"score": score, "years": years, "sex": sex, "zone": zone,
                         "region": rng.choice(["north", "south", "mid"], n),
                         "approved": np.where(approved, "yes", "no")})


# --------------------------------------------------------------- (a) embeddings, two inputs

class OwnEncoding:
    """The user's own encoding: numeric columns standardised, each categorical column coded
    as integers (for one embedding table per column)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.mean = frame[NUMERIC].mean().to_numpy(np.float64)
        self.std = frame[NUMERIC].std().to_numpy(np.float64)
        self.categories = {c: sorted(frame[c].unique()) for c in CATEGORICAL}

    def __call__(self, frame: pd.DataFrame) -> tuple[torch.Tensor, torch.Tensor]:
        numeric = (frame[NUMERIC].to_numpy(np.float64) - self.mean) / self.std
        codes = np.stack([pd.Categorical(frame[c], categories=self.categories[c]).codes
                          for c in CATEGORICAL], axis=1)
        return (torch.as_tensor(numeric, dtype=torch.float32),
                torch.as_tensor(codes.astype(np.int64)))


class EmbeddingNet(nn.Module):
    """One embedding per categorical column, concatenated with the numeric inputs; one logit
    (trained with BCEWithLogitsLoss). ``forward(numeric, categorical)``."""

    def __init__(self, n_numeric: int, cardinalities: list[int], dim: int = 3) -> None:
        super().__init__()
        self.embeddings = nn.ModuleList(nn.Embedding(k, dim) for k in cardinalities)
        self.head = nn.Sequential(nn.Linear(n_numeric + dim * len(cardinalities), 16), nn.ReLU(),
                                  nn.Linear(16, 1))

    def forward(self, numeric: torch.Tensor, categorical: torch.Tensor) -> torch.Tensor:
        embedded = [e(categorical[:, i]) for i, e in enumerate(self.embeddings)]
        return self.head(torch.cat([numeric, *embedded], dim=1))


def train_embedding_net(train: pd.DataFrame, *, epochs: int = 60, seed: int = 0
                        ) -> tuple[EmbeddingNet, OwnEncoding]:
    """The user's own loop: full-batch Adam on BCEWithLogitsLoss."""
    torch.manual_seed(seed)
    encode = OwnEncoding(train)
    model = EmbeddingNet(len(NUMERIC), [len(encode.categories[c]) for c in CATEGORICAL])
    numeric, codes = encode(train)
    y = torch.as_tensor((train["approved"] == "yes").to_numpy(np.float32))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    loss_fn = nn.BCEWithLogitsLoss()
    for _ in range(epochs):
        optimizer.zero_grad()
        loss_fn(model(numeric, codes)[:, 0], y).backward()
        optimizer.step()
    return model.eval(), encode


# --------------------------------------------------------------- (c) scikit-learn

def sklearn_pipeline(train: pd.DataFrame):
    """A scikit-learn ``Pipeline`` (one-hot + scaling + LogisticRegression) on raw columns."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    encoding = ColumnTransformer([("num", StandardScaler(), NUMERIC),
                                  ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL)])
    return make_pipeline(encoding, LogisticRegression()).fit(train[FEATURES], train["approved"])


@cache
def _fitted_pipeline():
    return sklearn_pipeline(people(1200, 0))


def predict_proba(frame: pd.DataFrame) -> np.ndarray:
    """A ``predict_proba`` callable by import path (``model: {predict_proba: ...}``)."""
    return _fitted_pipeline().predict_proba(frame[FEATURES])


# --------------------------------------------------------------- factories for configs

class OneLogitMLP(nn.Module):
    """A user's single-logit MLP over the encoded rows (``factory`` in a config)."""

    def __init__(self, width: int, hidden: int = 16) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def build_one_logit(info, hidden: int = 16) -> nn.Module:
    """``factory(info, **options)``: a one-logit MLP as wide as the encoded rows."""
    return OneLogitMLP(info.input_width, hidden)


# --------------------------------------------------------------- tables of issue 16's data half

def recidivism(n: int, seed: int) -> pd.DataFrame:
    """``reoffends`` (1 = reoffends, the UNfavourable outcome) rises with ``priors``, and group
    ``Q`` of ``race`` is flagged more often at the same priors (the planted disparity)."""
    rng = np.random.default_rng(seed)
    race = rng.choice(["P", "Q"], n, p=[0.6, 0.4])
    priors = rng.poisson(2, n)
    logit = 0.6 * (priors - 2) + 1.2 * (race == "Q") - 0.3
    return pd.DataFrame({"priors": priors, "age": rng.integers(18, 60, n), "race": race,
                         "reoffends": (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)})


def with_small_groups(n: int, seed: int) -> pd.DataFrame:
    """:func:`people` with a ``race`` column holding a 10-row group (``tiny``) and a group
    whose rows all have one label (``same``, 40 rows, all approved)."""
    frame = people(n, seed)
    rng = np.random.default_rng(seed + 7)
    race = rng.choice(["r1", "r2"], n).astype(object)
    race[:10] = "tiny"
    race[10:50] = "same"
    frame["race"] = race
    frame.loc[10:49, "approved"] = "yes"
    return frame


def recidivism_features(frame: pd.DataFrame) -> np.ndarray:
    return np.column_stack([frame["priors"], frame["age"], frame["race"] == "Q"]).astype(float)


@cache
def _recidivism_model():
    from sklearn.linear_model import LogisticRegression

    train = recidivism(1500, 0)
    return LogisticRegression().fit(recidivism_features(train), train["reoffends"])


def recidivism_predict_proba(frame: pd.DataFrame) -> np.ndarray:
    """A served recidivism model by import path: ``(n, 2)``, column 1 = P(reoffends)."""
    return _recidivism_model().predict_proba(recidivism_features(frame))


# --------------------------------------------------------------- issue 19: DP costs a minority more

def dp_minority(n: int, seed: int) -> pd.DataFrame:
    """``approved`` follows ``score`` for the majority group ``big`` of ``group`` (90% of rows)
    and ``other`` (the opposite direction) for the minority ``few`` (10%): a model must learn
    the minority's own rule from few rows, which DP-SGD's clipping and noise make hard (the
    planted effect: DP costs ``few`` more accuracy than ``big``)."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["big", "few"], n, p=[0.9, 0.1])
    score, other = rng.normal(0, 1, n), rng.normal(0, 1, n)
    logit = np.where(group == "big", 4 * score, -4 * score + 2 * other)
    approved = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame({"score": score, "other": other, "group": group,
                         "band": rng.choice(["p", "q"], n),
                         "approved": np.where(approved, "yes", "no")})


class GatedNet(nn.Module):
    """A user's two-logit network with a multiplicative gate (``tanh(a) * sigmoid(b)``), built
    by ``factory`` in a config (issue 19's DP runs; the privacy-utility curve retrains it)."""

    def __init__(self, width: int, hidden: int = 16) -> None:
        super().__init__()
        self.value, self.gate = nn.Linear(width, hidden), nn.Linear(width, hidden)
        self.out = nn.Linear(hidden, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.tanh(self.value(x)) * torch.sigmoid(self.gate(x)))


def dp_minority_config(folder, training: dict, audits: dict):
    """The audit config of :func:`dp_minority`'s table through :func:`build_gated`: writes a
    4,000-row train and a 3,000-row test CSV (seeds 0 and 1) under ``folder`` and parses the
    config with the given ``training`` and ``audits`` sections."""
    from pathlib import Path

    from audit.config import parse_config

    folder = Path(folder)
    dp_minority(4000, 0).to_csv(folder / "train.csv", index=False)
    dp_minority(3000, 1).to_csv(folder / "test.csv", index=False)
    return parse_config({
        "name": "dp-minority", "seed": 0,
        "data": {"loader": "csv", "train_path": "train.csv", "test_path": "test.csv",
                 "target": "approved", "positive_label": "yes",
                 "sensitive_features": ["group", "band"]},
        "model": {"factory": "tests.own_models:build_gated", "options": {"hidden": 32}},
        "training": training, "audits": audits}, base_dir=folder)


def build_gated(info, hidden: int = 16) -> nn.Module:
    """``factory(info, **options)``: a :class:`GatedNet` as wide as the encoded rows."""
    return GatedNet(info.input_width, hidden)
