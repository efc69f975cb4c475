"""Seeded synthetic reviews for the audits on text: the label follows one sentiment word,
flipped by a negation; some reviews name an identity (religion, nationality, gender) and a few
hold an e-mail address, so every text audit has something to find."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

POSITIVE = ["great", "wonderful", "excellent", "lovely", "superb"]
NEGATIVE = ["awful", "terrible", "horrible", "dreadful", "poor"]
FILLER = "the film was shown in the small cinema on a rainy evening and people came".split()
IDENTITY = ["a Muslim director", "a Christian actor", "her mother", "his father", "a Chinese actor",
            "an American star", "a Jewish writer", "the old woman"]


def make_identity_reviews(n: int, seed: int) -> pd.DataFrame:
    """``text``, ``label`` (pos/neg) and a ``venue`` group column; 90% of labels follow the
    sentiment word (negated by "not" in a quarter of the texts)."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        s = int(rng.integers(0, 2))
        negated = rng.random() < 0.25
        words = list(rng.choice(FILLER, size=int(rng.integers(4, 14))))
        sentiment = str(rng.choice(POSITIVE if s else NEGATIVE))
        at = int(rng.integers(0, len(words) + 1))
        words[at:at] = ["not", sentiment] if negated else [sentiment]
        if rng.random() < 0.4:
            words[0:0] = str(rng.choice(IDENTITY)).split() + ["said"]
        if rng.random() < 0.03:
            words += ["write", "to", f"fan{int(rng.integers(100))}@example.org"]
        label = s ^ negated
        if rng.random() < 0.1:
            label = 1 - label
        rows.append({"text": " ".join(words), "label": "pos" if label else "neg",
                     "venue": str(rng.choice(["festival", "streaming"]))})
    return pd.DataFrame(rows)


@pytest.fixture(scope="session")
def identity_reviews():
    return make_identity_reviews(1200, 0), make_identity_reviews(600, 1)


def text_config(tmp_path, reviews, audits: dict, **model) -> object:
    """A text run config on the synthetic reviews written to ``tmp_path``."""
    from audit.config import parse_config

    train, test = reviews
    train.to_csv(tmp_path / "train.csv", index=False)
    test.to_json(tmp_path / "test.jsonl", orient="records", lines=True)
    return parse_config({
        "name": "synthetic-reviews", "seed": 0,
        "data": {"loader": "text", "train_path": "train.csv", "test_path": "test.jsonl",
                 "target": "label", "positive_label": "pos", "sensitive_features": ["venue"],
                 "text": {"text": "text", "max_length": 48}},
        "model": {"kind": "pooling", "text": {"embedding_dim": 32, "hidden_size": 16, "embedding_init": None,
                                                "freeze_embeddings": False}, **model},
        "training": {"epochs": 4, "batch_size": 32, "optimizer": "adam", "learning_rate": 0.01},
        "audits": audits, "output_dir": str(tmp_path / "out")}, base_dir=tmp_path)
