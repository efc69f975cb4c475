"""Identity-term stability of text models, with a keyword scorer and a scikit-learn pipeline."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from audit.robustness import RobustnessInputError, text_counterfactual_stability

TEMPLATES = ["I am a {term} person.", "My neighbour is {term}.", "The {term} teacher was awful.",
             "A {term} friend helped me.", "{term} people live here."]


def keyword_scorer(texts):
    return np.array([0.8 if ("awful" in t or "muslim" in t) else 0.2 for t in texts])


def test_keyword_scorer_pinned_counts():
    out = text_counterfactual_stability(keyword_scorer, TEMPLATES, ["christian", "muslim", "jewish"])
    # "muslim" pushes every template except the already-"awful" one over the threshold
    assert out.overall.flips == 4 and out.overall.n == 5
    by = {fr.label: fr for fr in out.by_term}
    assert by["christian -> muslim"].flips == 4 and by["christian -> muslim"].to_positive == 4
    assert by["christian -> jewish"].flips == 0
    assert out.mean_score_range == pytest.approx(0.6 * 4 / 5)
    assert "The {term} teacher was awful." not in out.examples and len(out.examples) == 4


def test_sklearn_text_model_two_column_output_matches_brute_force():
    corpus = ["great kind friend", "awful rude person", "lovely helpful teacher", "terrible mean man",
              "kind woman", "rude man", "helpful woman", "awful man"]
    labels = [1, 0, 1, 0, 1, 0, 1, 0]
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(corpus, labels)
    out = text_counterfactual_stability(model.predict_proba, TEMPLATES, ["woman", "man"],
                                        batch_size=3)
    a = model.predict_proba([t.replace("{term}", "woman") for t in TEMPLATES])[:, 1] >= 0.5
    b = model.predict_proba([t.replace("{term}", "man") for t in TEMPLATES])[:, 1] >= 0.5
    assert out.overall.flips == (a != b).sum() == out.by_term[0].flips
    assert out.terms == ("woman", "man") and out.reference_term == "woman"


@pytest.mark.parametrize("kwargs,match", [
    ({"identity_terms": ["only"]}, "identity_terms"),
    ({"templates": ["no placeholder here"]}, "placeholder '\\{term\\}'"),
    ({"reference_term": "other"}, "reference_term"),
    ({"templates": []}, "templates"),
])
def test_bad_inputs_are_named(kwargs, match):
    args = {"templates": TEMPLATES, "identity_terms": ["a", "b"], **kwargs}
    with pytest.raises(RobustnessInputError, match=match):
        text_counterfactual_stability(keyword_scorer, **args)


def test_wrong_output_shape_is_named():
    with pytest.raises(RobustnessInputError, match="predict_proba\\(texts\\).*shape \\(10, 3\\)"):
        text_counterfactual_stability(lambda t: np.zeros((len(t), 3)), TEMPLATES, ["a", "b"])
