"""Identity-term templates: exact flip rates, group gaps and error rates for a known scorer."""

from __future__ import annotations

import json

import numpy as np
import pytest

from audit.text_bias import (
    EmptyDescriptorsError,
    PredictionShapeError,
    TemplatePlaceholderError,
    TextBiasConfig,
    UnknownAxisError,
    audit_text_model,
    counterfactual_fairness,
    group_scores,
    holistic_bias_templates,
    identity_terms,
    score_axes,
)
from audit.text_bias._data import HOLISTIC_BIAS_DIR, WEAT_DIR
from audit.text_bias._identity import box_stats

TEMPLATES = ("I'm {noun_phrase}.", "I like {plural_noun_phrase}.", "My neighbour is {noun_phrase}.")
EXTRA = {"colour": {"red": ["crimson", "scarlet"], "blue": ["navy", "azure", "cobalt"]}}


def scorer(texts):
    """0.9 for the 'red' descriptors, 0.2 otherwise (0.45 for azure: below the threshold too)."""
    return np.array([0.9 if ("crimson" in t or "scarlet" in t) else 0.45 if "azure" in t else 0.2 for t in texts])


def test_shipped_data_and_licences_are_present():
    for folder in (HOLISTIC_BIAS_DIR, WEAT_DIR):
        assert (folder / "LICENSE.md").read_text().strip() and (folder / "SOURCE.md").read_text().strip()
    assert "CC BY-SA 4.0" in (HOLISTIC_BIAS_DIR / "SOURCE.md").read_text()
    descriptors = json.loads((HOLISTIC_BIAS_DIR / "descriptors.json").read_text())
    assert {"ability", "age", "gender_and_sex", "nationality", "race_ethnicity", "religion",
            "sexual_orientation"} <= set(descriptors)
    assert len(holistic_bias_templates()) == 26


def test_identity_terms_use_real_descriptors_and_names():
    terms = identity_terms(["race_ethnicity", "names_race", "religion"], max_per_group=2)
    by_axis = {a: [t for t in terms if t.axis == a] for a in ("race_ethnicity", "names_race", "religion")}
    assert [t.singular for t in by_axis["names_race"]] == ["Brad", "Brendan", "Darnell", "Hakim"]
    assert by_axis["names_race"][0].plural is None
    black = [t for t in by_axis["race_ethnicity"] if t.group == "black"]
    assert black[0].singular == "an African person" and black[0].plural == "African people"
    assert all(t.group == t.term for t in by_axis["religion"])  # one group per religion descriptor
    assert not any(t.term == "retarded" for t in identity_terms(["ability"], max_per_group=10))  # dispreferred
    assert any(t.term == "retarded" for t in identity_terms(["ability"], max_per_group=10, include_dispreferred=True))


def test_flip_rate_gap_and_error_rate_are_exact_for_a_known_scorer():
    terms = identity_terms(["colour"], extra=EXTRA)
    (axis,) = score_axes(scorer, TEMPLATES, terms)
    assert axis.scores.shape == (3, 5)
    assert axis.sentences[1][0] == "I like crimson people."
    groups = group_scores(axis, template_label=0, bootstrap_replicates=200, min_group_size=7)
    red, blue = groups
    assert (red.group, red.n, red.n_terms, red.small) == ("red", 6, 2, True)
    assert red.mean == pytest.approx(0.9) and blue.mean == pytest.approx((0.2 + 0.45 + 0.2) / 3)
    assert red.gap == pytest.approx(-blue.gap) and red.gap == pytest.approx((0.9 - blue.mean) / 2)
    assert red.error_rate == 1.0 and blue.error_rate == 0.0  # FPR: every template is non-toxic
    assert red.gap_interval.low == pytest.approx(red.gap)  # templates do not change the score
    fair = counterfactual_fairness(axis, groups, tolerance=0.3, template_label=0, bootstrap_replicates=200)
    # 10 pairs per template, 2 x 3 = 6 of them cross the groups and flip
    assert fair.n_pairs == 30 and fair.flip_rate == pytest.approx(6 / 10)
    # every template flips the same pairs: the bootstrap over templates has nothing to vary
    assert fair.flip_interval.low == pytest.approx(0.6) and fair.flip_interval.high == pytest.approx(0.6)
    assert fair.flip_interval.method.startswith("bootstrap over templates")
    # |changes| per template: red-red 0, blue pairs 0.25, 0.25, 0; cross 0.7 x4, 0.45 x2
    assert fair.mean_abs_change == pytest.approx((0.25 * 2 + 0.7 * 4 + 0.45 * 2) / 10)
    assert fair.large_change_rate == pytest.approx(6 / 10)
    assert (fair.highest_group, fair.lowest_group) == ("red", "blue")
    assert fair.error_rate_kind == "false_positive_rate" and fair.error_rate_gap == 1.0


def test_box_stats_match_matplotlib():
    from matplotlib import cbook

    values = np.random.default_rng(0).beta(2, 5, size=200)
    values[:3] = [0.99, 0.98, 0.0]
    ours = box_stats(values)
    ref = cbook.boxplot_stats(values)[0]
    assert (ours.whislo, ours.q1, ours.median, ours.q3, ours.whishi) == pytest.approx(
        (ref["whislo"], ref["q1"], ref["med"], ref["q3"], ref["whishi"]))


def test_pair_mode_passes_the_fixed_question_first():
    calls = []

    def pair_scorer(questions, passages):
        calls.append((list(questions), list(passages)))
        return scorer(passages)

    cfg = TextBiasConfig(enabled=True, seat=False, attributions=False, axes=(), pair_mode="passage_with_question",
                         pair_question="is it red", bootstrap_replicates=50)
    section = audit_text_model(pair_scorer, config=cfg, templates=TEMPLATES[:1], extra_axes=EXTRA)
    assert set(calls[0][0]) == {"is it red"} and calls[0][1][0] == "I'm a crimson person."
    assert section.pair_question == "is it red" and section.axes[0].flip_rate == pytest.approx(0.6)
    assert section.largest_changes[0].score_a == pytest.approx(0.9)


def test_template_without_placeholder_is_a_typed_error():
    with pytest.raises(TemplatePlaceholderError, match=r"templates\[1\].*noun_phrase"):
        score_axes(scorer, ("I'm {noun_phrase}.", "No identity here."), identity_terms(["colour"], extra=EXTRA))


def test_empty_template_and_descriptor_lists_are_typed_errors():
    with pytest.raises(TemplatePlaceholderError, match="templates"):
        score_axes(scorer, (), identity_terms(["colour"], extra=EXTRA))
    with pytest.raises(EmptyDescriptorsError, match=r"extra\['colour'\]\['red'\]"):
        identity_terms(["colour"], extra={"colour": {"red": [], "blue": ["navy"]}})
    with pytest.raises(EmptyDescriptorsError, match="axes"):
        identity_terms([])


def test_unknown_axis_is_a_typed_error_with_a_suggestion():
    with pytest.raises(UnknownAxisError, match="Did you mean 'religion'"):
        identity_terms(["religon"])


def test_wrong_prediction_shape_is_a_typed_error():
    with pytest.raises(PredictionShapeError, match="predict_proba"):
        score_axes(lambda t: np.zeros(len(t) + 1), TEMPLATES, identity_terms(["colour"], extra=EXTRA))
    with pytest.raises(PredictionShapeError, match=r"\[0, 1\]"):
        score_axes(lambda t: np.full(len(t), 3.0), TEMPLATES, identity_terms(["colour"], extra=EXTRA))


def test_names_skip_plural_templates():
    (axis,) = score_axes(scorer, TEMPLATES, identity_terms(["names_gender"], max_per_group=2))
    assert axis.templates == (TEMPLATES[0], TEMPLATES[2])
    assert axis.sentences[0] == ("I'm John.", "I'm Paul.", "I'm Amy.", "I'm Joan.")
