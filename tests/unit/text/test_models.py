"""The text model kinds: masking, equality with plain torch maths, DP-SGD training, HF folders."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from audit.models import LSTMClassifier, PoolingClassifier, build_model, load_model, save_model
from audit.privacy import PrivacyConfig
from audit.quality import model_quality
from audit.text import collate, predict_text_proba, train_text_model


def _batch(ids_list):
    return collate([({"input_ids": torch.tensor(ids)}, torch.tensor(0)) for ids in ids_list])[0]


@pytest.mark.parametrize("cls", [PoolingClassifier, LSTMClassifier])
def test_padding_does_not_change_outputs(cls):
    model = cls(vocab_size=50, embedding_dim=8, hidden_size=6).eval()
    short, long = [1, 7, 9, 2], [1, 3, 4, 5, 6, 8, 10, 2]
    alone = model(**_batch([short]))
    together = model(**_batch([short, long]))
    torch.testing.assert_close(together[:1], alone, rtol=1e-5, atol=1e-6)


def test_pooling_is_the_masked_mean_of_embeddings():
    model = PoolingClassifier(vocab_size=50, embedding_dim=8, hidden_size=6).eval()
    inputs = _batch([[1, 7, 9, 2], [1, 3, 2]])
    table = model.embedding.weight
    expected = torch.stack([table[[1, 7, 9, 2]].mean(0), table[[1, 3, 2]].mean(0)])
    torch.testing.assert_close(model(**inputs), model.head(expected))


def test_lstm_is_opacus_dplstm_and_matches_torch_lstm():
    from opacus.layers import DPLSTM

    model = LSTMClassifier(vocab_size=50, embedding_dim=8, hidden_size=6).eval()
    assert isinstance(model.lstm, DPLSTM)
    reference = torch.nn.LSTM(8, 6, batch_first=True)
    reference.load_state_dict(_torch_lstm_state(model.lstm))
    x = torch.randn(3, 5, 8)
    torch.testing.assert_close(model.lstm(x)[0], reference(x)[0], rtol=1e-5, atol=1e-6)


def _torch_lstm_state(dplstm):
    """DPLSTM keeps torch's gate order with separate ih/hh Linear layers per layer."""
    cell = dplstm.l0
    return {"weight_ih_l0": cell.ih.weight, "weight_hh_l0": cell.hh.weight,
            "bias_ih_l0": cell.ih.bias, "bias_hh_l0": cell.hh.bias}


def test_pooling_learns_the_sentiment_words(review_dataset):
    model = PoolingClassifier(review_dataset.vocab_size, embedding_dim=16, hidden_size=16)
    run = train_text_model(model, review_dataset, epochs=8, batch_size=32, learning_rate=1e-2,
                           progress=False)
    quality = model_quality(review_dataset.test.y, predict_text_proba(run.model, review_dataset.test))
    assert quality.accuracy > 0.7  # labels follow the sentiment word 80% of the time
    assert run.history[-1].metrics["val/accuracy"] > 0.65


def test_lstm_trains_under_dp_sgd_and_reports_epsilon(review_dataset):
    model = LSTMClassifier(review_dataset.vocab_size, embedding_dim=16, hidden_size=16,
                           freeze_embeddings=True)
    privacy = PrivacyConfig(noise_multiplier=1.0, max_grad_norm=1.0, accountant="rdp")
    run = train_text_model(model, review_dataset, epochs=2, batch_size=60, learning_rate=1e-2,
                           privacy=privacy, progress=False)
    spend = run.privacy
    assert spend.grad_sample_mode == "hooks" and spend.noise_multiplier == 1.0
    from opacus.accountants import RDPAccountant

    reference = RDPAccountant()
    reference.history = [(1.0, spend.sample_rate, spend.steps)]
    assert spend.epsilon == pytest.approx(reference.get_epsilon(spend.delta), rel=1e-6)
    assert spend.epsilons["rdp"] == spend.epsilon and 0 < spend.epsilon < 10
    assert not any(hasattr(p, "grad_sample") for p in run.model.parameters())
    scores = predict_text_proba(run.model, review_dataset.test)
    assert scores.shape == (len(review_dataset.test),) and np.isfinite(scores).all()


def test_dp_lstm_survives_empty_poisson_batches(review_dataset):
    """batch_size 1 on 30 rows: q = 1/30, so about a third of the Poisson batches are empty."""
    small = review_dataset.train.subset(np.arange(30))
    model = LSTMClassifier(review_dataset.vocab_size, embedding_dim=8, hidden_size=4,
                           freeze_embeddings=True)
    run = train_text_model(model, review_dataset, train=small, validation=False, epochs=1,
                           batch_size=1, privacy=PrivacyConfig(noise_multiplier=1.0),
                           progress=False)
    assert run.privacy.steps > 0


@pytest.mark.parametrize("pair_features", [False, True])
def test_pooling_trains_under_dp_with_trainable_embeddings(review_dataset, pair_features):
    model = PoolingClassifier(review_dataset.vocab_size, embedding_dim=4, hidden_size=4,
                              pair_features=pair_features)
    run = train_text_model(model, review_dataset.limit(train=120), epochs=1, batch_size=40,
                           privacy=PrivacyConfig(noise_multiplier=1.0), progress=False)
    # Embedding + Linear only: one-pass book-keeping, no dense batch x vocab x dim gradient
    assert run.privacy.epsilon > 0 and run.privacy.grad_sample_mode == "bookkeeping"
    assert not any(hasattr(p, "grad_sample") for p in run.model.parameters())


def test_pair_features_pool_each_text_then_match():
    model = PoolingClassifier(vocab_size=50, embedding_dim=8, hidden_size=6, pair_features=True).eval()
    items = [({"input_ids": torch.tensor(ids), "token_type_ids": torch.tensor(types)}, torch.tensor(0))
             for ids, types in [([1, 7, 9, 2, 4, 5, 2], [0, 0, 0, 0, 1, 1, 1]),
                                ([1, 3, 2, 6, 2], [0, 0, 0, 1, 1])]]
    inputs = collate(items)[0]
    table = model.embedding.weight
    rows = []
    for first, second in (([1, 7, 9, 2], [4, 5, 2]), ([1, 3, 2], [6, 2])):
        a, b = table[first].mean(0), table[second].mean(0)
        rows.append(torch.cat([a, b, a * b, (a - b).abs()]))
    torch.testing.assert_close(model(**inputs), model.head(torch.stack(rows)))
    alone = model(**collate(items[1:])[0])
    torch.testing.assert_close(model(**inputs)[1:], alone, rtol=1e-5, atol=1e-6)  # padding-free


def test_pooling_model_is_explained_on_its_embedding_layer(tokenizer):
    """Integrated gradients on the pooling model's token embeddings: complete (sum of word
    scores = output - baseline output) for a pair model."""
    from audit.explain._text import explain_texts

    torch.manual_seed(0)
    model = PoolingClassifier(len(tokenizer), embedding_dim=8, hidden_size=6, pair_features=True).eval()
    (ex,) = explain_texts(model, tokenizer, ["is the sky blue"], text_pairs=["the sky is blue by day"],
                          n_steps=64)
    assert ex.words[:4] == ("is", "the", "sky", "blue") and len(ex.words) == 10
    assert sum(ex.scores) == pytest.approx(ex.output - ex.baseline_output, abs=1e-3)


def test_small_models_save_and_load_through_the_registry(tmp_path):
    model = build_model("lstm", vocab_size=50, embedding_dim=8, hidden_size=6)
    save_model(model, tmp_path, kind="lstm")
    loaded, spec = load_model(tmp_path)
    inputs = _batch([[1, 4, 2]])
    torch.testing.assert_close(loaded(**inputs), model.eval()(**inputs))
    assert spec["kind"] == "lstm"


def test_any_local_hf_folder_is_fit_and_predicted(tmp_path, tokenizer, review_dataset):
    """A tiny BERT saved to disk goes through the same code path as the MiniLM sample."""
    from transformers import BertConfig, BertForSequenceClassification

    config = BertConfig(vocab_size=len(tokenizer), hidden_size=16, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=32, max_position_embeddings=64,
                        num_labels=2)
    BertForSequenceClassification(config).save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    model = build_model("hf", path=str(tmp_path), n_classes=2)
    run = train_text_model(model, review_dataset.limit(train=64, validation=20, test=40), epochs=1,
                           batch_size=16, learning_rate=1e-3, optimizer="adamw", progress=False)
    assert run.epochs_completed == 1
    scores = predict_text_proba(run.model, review_dataset.test.subset(np.arange(40)))
    assert scores.shape == (40,) and ((scores > 0) & (scores < 1)).all()
