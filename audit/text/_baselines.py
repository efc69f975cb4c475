"""Reference accuracies on a text task: the majority class and a bag-of-words logistic
regression (scikit-learn), computed on the same splits as the models."""

from __future__ import annotations

import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from audit.quality import wilson_interval
from audit.result import TextBaseline
from audit.text._data import TextDataset, TextSplit


def _joined(split: TextSplit) -> list[str]:
    return split.texts.astype(str).agg(" ".join, axis=1).tolist()


def _baseline(name: str, description: str, y: np.ndarray, pred: np.ndarray) -> TextBaseline:
    correct = int((pred == y).sum())
    return TextBaseline(name=name, description=description, accuracy=correct / len(y),
                        accuracy_interval=wilson_interval(correct, len(y)))


def text_baselines(dataset: TextDataset, *, seed: int = 0) -> tuple[TextBaseline, ...]:
    """Majority class and TF-IDF bag-of-words (unigrams and bigrams) logistic regression, fitted
    on ``dataset.train`` and scored on ``dataset.test``.

    Examples
    --------
    >>> import pandas as pd
    >>> from audit.text import build_text_dataset, load_tokenizer
    >>> reviews = pd.DataFrame({"review": ["a fine film", "a dull film", "great acting", "a poor plot",
    ...                                    "a lovely score", "an awful script"] * 6,
    ...                         "label": [1, 0] * 18})
    >>> ds = build_text_dataset(reviews, reviews, text="review", target="label",
    ...                         tokenizer=load_tokenizer())
    >>> [(b.name, round(b.accuracy, 2)) for b in text_baselines(ds)]
    [('majority_class', 0.5), ('bow_logistic_regression', 1.0)]
    """
    train, test = dataset.train, dataset.test
    majority = DummyClassifier(strategy="most_frequent").fit(np.zeros((len(train), 1)), train.y)
    bow = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_features=50_000, sublinear_tf=True),
        LogisticRegression(C=1.0, max_iter=2000, random_state=seed))
    bow.fit(_joined(train), train.y)
    columns = " + ".join(c for c in (dataset.text, dataset.text_pair) if c)
    return (
        _baseline("majority_class", "always predicts the training split's most frequent label",
                  test.y, majority.predict(np.zeros((len(test), 1)))),
        _baseline("bow_logistic_regression",
                  f"scikit-learn TF-IDF of word unigrams and bigrams (min_df 2) of {columns}, "
                  "logistic regression C=1", test.y, bow.predict(_joined(test))),
    )
