"""The deletion trust check: attributions that point at the words a model uses pass it,
attributions that point elsewhere do not."""

from __future__ import annotations

import re

import numpy as np

from audit.explain._text import TextExplanation
from audit.explain._text_audit import deletion_check, without_words, word_importance

KEYWORDS = {"wonderful": 2.0, "great": 1.5, "awful": -2.0, "dull": -1.5}


def predict(texts, pairs=None):
    """A bag-of-words logistic model: the truth every attribution should find."""
    out = []
    for t in texts:
        z = sum(KEYWORDS.get(w.lower(), 0.0) for w in re.findall(r"\w+", t))
        out.append(1 / (1 + np.exp(-z)))
    return np.array(out)


def explain(text: str, *, honest: bool) -> TextExplanation:
    spans = [(0, m.start(), m.end()) for m in re.finditer(r"\w+", text)]
    words = tuple(text[lo:hi] for _, lo, hi in spans)
    p = float(predict([text])[0])
    if honest:  # exact for a linear model on word counts with an empty baseline
        scores = tuple(KEYWORDS.get(w.lower(), 0.0) for w in words)
    else:  # credits the filler words with the prediction
        towards = 1.0 if p >= 0.5 else -1.0
        scores = tuple(0.0 if w.lower() in KEYWORDS else towards for w in words)
    return TextExplanation(text=text, text_pair=None, method="integrated_gradients", words=words,
                           spans=tuple(spans), scores=scores, probability=p, output=float(np.log(p / (1 - p))),
                           baseline_output=0.0, convergence_delta=0.0)


def _texts(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    filler = "the film was shown in a small cinema on a rainy evening".split()
    out = []
    for _ in range(n):
        words = list(rng.choice(filler, size=8))
        words.insert(int(rng.integers(0, 9)), str(rng.choice(list(KEYWORDS))))
        out.append(" ".join(words))
    return out


def test_words_are_cut_out_by_their_spans():
    ex = explain("A wonderful, dull film.", honest=True)
    assert without_words(ex, [1, 2]) == ("A , film.", None)


def test_honest_attributions_pass_the_deletion_check():
    texts = _texts(80, 0)
    result = deletion_check(predict, [explain(t, honest=True) for t in texts], k=1, repeats=5, seed=0)
    assert result.n_texts == 80 and result.top_drop > 0.3 and result.interval.low > 0
    assert result.random_drop < result.top_drop / 3


def test_attributions_that_point_elsewhere_fail_it():
    texts = _texts(80, 0)
    result = deletion_check(predict, [explain(t, honest=False) for t in texts], k=1, repeats=5, seed=0)
    assert result.top_drop == 0.0 and result.difference < 0 and result.interval.high < 0


def test_word_importance_ranks_by_signed_mean_and_drops_rare_words():
    exs = [explain(t, honest=True) for t in _texts(200, 1)]
    ranked = word_importance(exs, min_count=5, replicates=100)
    assert [w.feature for w in ranked.importances[:2]] == ["wonderful", "great"]
    assert [w.feature for w in ranked.importances[-2:]] == ["dull", "awful"]
    # filler words have attribution 0: neither for nor against
    assert set(ranked.positive) == {"wonderful", "great"} and set(ranked.negative) == {"dull", "awful"}
    assert word_importance(exs[:1], min_count=5).importances == ()
