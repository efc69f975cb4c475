"""Token attributions: exact values on a linear bag-of-embeddings model, completeness on MiniLM,
word-piece merging, pairs, and the errors."""

from __future__ import annotations

import pytest
import torch

from audit.explain._text import (
    EmbeddingLayerNotFoundError,
    TokenizerNotFastError,
    explain_texts,
    find_embedding_layer,
    summarise,
)


class LinearBag(torch.nn.Module):
    """logits = [0, sum_t mask_t * E[x_t] . v]: Integrated Gradients on E is exact and equals
    (E[x_t] - E[pad]) . v per token; gradient x embedding is E[x_t] . v."""

    def __init__(self, vocab: int, dim: int = 4) -> None:
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab, dim)
        self.v = torch.nn.Parameter(torch.randn(dim))

    def forward(self, input_ids, attention_mask):
        z = ((self.embedding(input_ids) @ self.v) * attention_mask).sum(dim=1)
        return torch.stack([torch.zeros_like(z), z], dim=1)


@pytest.fixture(scope="module")
def linear(minilm_tokenizer):
    torch.manual_seed(0)
    return LinearBag(minilm_tokenizer.vocab_size).eval()


def _token_values(model, tokenizer, text, *, minus_pad: bool):
    enc = tokenizer(text)
    E, v = model.embedding.weight.detach(), model.v.detach()
    values = {}
    for word, tid in zip(enc.word_ids(), enc["input_ids"]):
        if word is None:
            continue
        value = float((E[tid] - (E[tokenizer.pad_token_id] if minus_pad else 0)) @ v)
        values[word] = values.get(word, 0.0) + value
    return [values[w] for w in sorted(values)]


def test_integrated_gradients_is_exact_on_a_linear_model_and_merges_word_pieces(linear, minilm_tokenizer):
    text = "Unbelievably, the autistic neighbour's paraplegic friend smiled."
    (ex,) = explain_texts(linear, minilm_tokenizer, [text], n_steps=8)
    assert ex.words == ("Unbelievably", ",", "the", "autistic", "neighbour", "'", "s", "paraplegic", "friend",
                        "smiled", ".")
    assert [text[s:e] for _, s, e in ex.spans] == list(ex.words)
    assert len(minilm_tokenizer.tokenize("Unbelievably paraplegic")) > 2  # really merged from pieces
    assert list(ex.scores) == pytest.approx(_token_values(linear, minilm_tokenizer, text, minus_pad=True), abs=1e-5)
    assert ex.convergence_delta == pytest.approx(0.0, abs=1e-4)
    assert sum(ex.scores) == pytest.approx(ex.output - ex.baseline_output, abs=1e-4)
    (gxa,) = explain_texts(linear, minilm_tokenizer, [text], method="gradient_x_activation")
    assert list(gxa.scores) == pytest.approx(_token_values(linear, minilm_tokenizer, text, minus_pad=False), abs=1e-5)


def test_pairs_keep_their_segments(linear, minilm_tokenizer):
    (ex,) = explain_texts(linear, minilm_tokenizer, ["is it safe"], text_pairs=["The bridge is safe."], n_steps=4)
    assert ex.words == ("is", "it", "safe", "The", "bridge", "is", "safe", ".")
    assert [s[0] for s in ex.spans] == [0, 0, 0, 1, 1, 1, 1, 1]


def test_layer_ig_completeness_on_minilm(minilm_classifier, minilm_tokenizer):
    texts = ["I'm a Deaf person.", "<script>alert(1)</script> was a wonderful film"]
    explanations = explain_texts(minilm_classifier, minilm_tokenizer, texts, n_steps=32)
    timing = summarise(explanations, seconds=1.0)
    assert timing.max_relative_delta < 0.05  # sum of attributions = f(x) - f(baseline) within 5%
    assert "<" in explanations[1].words and "script" in explanations[1].words
    with torch.no_grad():
        logits = minilm_classifier(**minilm_tokenizer(texts, padding=True, return_tensors="pt")).logits
    assert explanations[0].output == pytest.approx(float(logits[0, 1] - logits[0, 0]), abs=1e-4)
    assert explanations[0].probability == pytest.approx(float(torch.softmax(logits, -1)[0, 1]), abs=1e-5)


def test_errors(linear, minilm_tokenizer):
    from types import SimpleNamespace

    # transformers 5 loads BERT tokenizers as fast ones; a slow (pure-Python) tokenizer says is_fast=False
    slow = SimpleNamespace(is_fast=False, all_special_ids=[0], pad_token_id=0)
    with pytest.raises(TokenizerNotFastError, match="tokenizer"):
        explain_texts(linear, slow, ["a"])
    two = torch.nn.Sequential(torch.nn.Embedding(3, 2), torch.nn.Embedding(3, 2))
    with pytest.raises(EmbeddingLayerNotFoundError, match="embedding_layer"):
        find_embedding_layer(two)
    assert find_embedding_layer(linear) is linear.embedding
    from audit.explain._errors import ExplainError

    class Bag(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bag = torch.nn.EmbeddingBag(linear.embedding.num_embeddings, 3)
            self.out = torch.nn.Linear(3, 2)

        def forward(self, input_ids, attention_mask):
            return self.out(self.bag(input_ids, per_sample_weights=None))

    with pytest.raises(ExplainError, match="EmbeddingBag"):
        bag = Bag()
        explain_texts(bag, minilm_tokenizer, ["a b"], embedding_layer=bag.bag, n_steps=2)
    assert find_embedding_layer(torch.nn.Sequential(torch.nn.Embedding(3, 2)))


def test_identity_token_attributions_sum_the_term_words_in_pair_mode(linear, minilm_tokenizer):
    import numpy as np

    from audit.text_bias import identity_terms, identity_token_attributions, score_axes

    terms = identity_terms(["colour"], extra={"colour": {"red": ["crimson-red"], "blue": ["navy"]}})
    axes = score_axes(lambda q, p: np.full(len(p), 0.5), ("I'm {noun_phrase}.",), terms, pair_question="is it ok")
    rows, timing = identity_token_attributions(linear, minilm_tokenizer, axes, n_samples=2, pair_question="is it ok",
                                               n_steps=4)
    assert timing.n_texts == 2 and {r.group for r in rows} == {"red", "blue"}
    red = next(r for r in rows if r.group == "red")
    # "crimson-red" is three words (crimson, -, red) in the passage; their IG values are summed
    sentence = "I'm a crimson-red person."
    enc = minilm_tokenizer("is it ok", sentence, return_offsets_mapping=True)
    E, v = linear.embedding.weight.detach(), linear.v.detach()
    expected = sum(float((E[t] - E[minilm_tokenizer.pad_token_id]) @ v)
                   for t, seq, (lo, hi) in zip(enc["input_ids"], enc.sequence_ids(), enc["offset_mapping"])
                   if seq == 1 and lo >= 6 and hi <= 17)
    assert red.n == 1 and red.mean_attribution == pytest.approx(expected, abs=1e-5)
    assert red.top_terms == ("crimson-red",)


def test_seat_is_skipped_with_a_note_for_a_model_without_token_states(linear, minilm_tokenizer):
    import numpy as np

    from audit.text_bias import TextBiasConfig, audit_text_model

    cfg = TextBiasConfig(enabled=True, axes=("names_gender",), max_templates=1, max_descriptors_per_group=1,
                         attributions=False, seat_tests=("weat6",), bootstrap_replicates=10)
    section = audit_text_model(lambda t: np.full(len(t), 0.4), model=linear, tokenizer=minilm_tokenizer, config=cfg)
    assert section.seat == () and section.seat_not_run.startswith("the model has no token-level encoder")
    assert f"SEAT was not run: {section.seat_not_run}." in section.notes
