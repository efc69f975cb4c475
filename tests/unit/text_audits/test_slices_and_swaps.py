"""Identity terms found in texts, negation and length slices, identity swaps and typos:
exact on hand-made texts."""

from __future__ import annotations

import numpy as np
import pytest

from audit.errors import RaiAuditError
from audit.robustness._text_audit import add_typos, identity_swaps, typo_stability
from audit.text_bias import has_negation, identity_mentions, mentioned_groups, text_slices, word_counts


def test_capitalised_descriptors_match_only_as_written():
    assert [m[0] for m in mentioned_groups("A Muslim film about Chinese cooks.", "religion")] == ["Muslim"]
    assert mentioned_groups("muslim", "religion") == []  # HolisticBias writes it with a capital
    assert [m[0] for m in mentioned_groups("Chinese cooks", "nationality")] == ["china"]


def test_everyday_words_count_only_before_a_person_noun():
    assert mentioned_groups("It goes straight to video; an old film.", "sexual_orientation") == []
    assert mentioned_groups("an old film", "age") == []
    assert [m[:2] for m in mentioned_groups("A straight man and an old woman.", "sexual_orientation")] == [
        ("straight", "straight")]
    assert [m[0] for m in mentioned_groups("an old woman", "age")] == ["old"]


def test_gender_is_read_from_nouns_and_several_groups_are_said():
    frame = identity_mentions(["Her mother was great.", "The boy and the girl.", "No one."],
                              ["gender_and_sex"])
    assert frame["identity:gender_and_sex"].tolist() == ["female", "several", "none"]


def test_name_axes_are_refused_for_texts():
    with pytest.raises(RaiAuditError, match="names_gender"):
        identity_mentions(["John"], ["names_gender"])


def test_negation_and_length():
    assert has_negation(["I didn't like it", "never again", "nothing works", "Nobody", "fine",
                         "a note on notation"]).tolist() == [True, True, True, True, False, False]
    assert word_counts(["a well-made film, isn't it?", ""]).tolist() == [5, 0]
    frame = text_slices(["A Muslim actor, not good.", "Fine."], ["religion"])
    assert frame.to_dict("list") == {"words": [5, 1], "negation": ["yes", "no"], "identity term": ["yes", "no"],
                                     "identity:religion": ["Muslim", "none"]}


def test_identity_swaps_replace_every_mention_and_fix_the_article():
    swaps = dict(identity_swaps("An American star and an American crew.", "nationality"))
    assert swaps["united_states -> china"] == "A Chinese star and a Chinese crew."
    assert len(swaps) == 10  # one per other HolisticBias nationality group
    assert identity_swaps("Her Mother and her sister.", "gender_and_sex") == [
        ("female -> male", "Her Father and her brother.")]
    assert identity_swaps("A Muslim and a Catholic.", "religion") == []  # several groups: nothing single


def test_typos_are_seeded_and_hit_long_words_only():
    text = "a truly wonderful and moving film of our time"
    once = add_typos(text, 1.0, np.random.default_rng(0))
    assert once == add_typos(text, 1.0, np.random.default_rng(0))
    typed, hits = once
    assert hits == 5  # every word of 4+ letters: truly, wonderful, moving, film, time
    assert typed.split()[0] == "a" and typed != text
    assert add_typos(text, 0.0, np.random.default_rng(0)) == (text, 0)


def test_typo_stability_of_a_keyword_model():
    texts = ["a wonderful film", "a terrible film"] * 50
    y = np.array([1, 0] * 50)

    def predict(t, pairs=None):
        return np.array([0.9 if "wonderful" in s else 0.1 for s in t])

    (clean, heavy) = typo_stability(predict, texts, None, y, predict(texts), [1e-9, 1.0], seed=0)
    assert clean.overall.flips == 0 and clean.accuracy == clean.accuracy_with_typos == 1.0
    # every "wonderful" is misspelt: each positive text flips, negatives stay
    assert heavy.overall.flips == 50 and heavy.overall.to_negative == 50 and heavy.accuracy_with_typos == 0.5


def test_text_audits_without_a_torch_model_or_groups_are_refused_with_a_fix(tmp_path):
    from types import SimpleNamespace

    import pandas as pd

    from audit.core import AuditContext
    from audit.errors import ConfigError
    from audit.fairness import FairnessAuditConfig
    from audit.fairness._text import audit_text_fairness
    from audit.text import context_text_model

    ctx = AuditContext(modality="text", seed=0, dataset=None, model=lambda texts: texts)
    with pytest.raises(ConfigError, match=r"audits.robustness.*torch text model.*enabled: false"):
        context_text_model(ctx, "robustness")
    test = SimpleNamespace(texts=pd.DataFrame({"t": ["a fine film", "dull"]}), y=np.array([1, 0]),
                           sensitive=pd.DataFrame(index=range(2)))
    dataset = SimpleNamespace(test=test, text="t", text_pair="", sensitive_features=(), positive_label="pos")
    with pytest.raises(ConfigError, match="no test text names a term of religion"):
        audit_text_fairness(dataset, np.array([0.9, 0.1]), FairnessAuditConfig(text_identity_axes=["religion"]), 0)
