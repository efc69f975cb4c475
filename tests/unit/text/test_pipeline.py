"""The text pipeline's pieces: config checks, raw-text predictor, and the text-bias audit."""

from __future__ import annotations

import numpy as np
import pytest

from audit.config import parse_config
from audit.core import AuditContext, get_audit
from audit.errors import ConfigError
from audit.models import PoolingClassifier
from audit.text import load_text_dataset, predict_text_proba, text_predictor


def _cfg(tmp_path, reviews, **model):
    train, test = reviews
    train.to_csv(tmp_path / "train.csv", index=False)
    test.to_json(tmp_path / "test.jsonl", orient="records", lines=True)
    return parse_config({
        "data": {"loader": "text", "train_path": "train.csv", "test_path": "test.jsonl",
                 "target": "label", "positive_label": "pos", "sensitive_features": ["group"],
                 "text": {"text": "text", "max_length": 32}},
        "model": {"kind": "pooling", **model}}, base_dir=tmp_path)


def test_user_csv_and_jsonl_load_through_the_config(tmp_path, reviews, tokenizer):
    ds = load_text_dataset(_cfg(tmp_path, reviews), tokenizer)
    assert (len(ds.train) + len(ds.validation), len(ds.test)) == (600, 300)
    assert ds.positive_label == "pos" and ds.sensitive_features == ("group",)
    assert ds.tokenizer_name.startswith("minilm")


def test_missing_text_block_and_tabular_kind_are_refused(tmp_path, reviews):
    cfg = _cfg(tmp_path, reviews)
    with pytest.raises(ConfigError, match="data.text"):
        load_text_dataset(cfg.model_copy(update={"data": cfg.data.model_copy(update={"text": None})}))
    with pytest.raises(ConfigError, match=r"model.kind.*\['lstm', 'pooling', 'hf'\].*'mlp'"):
        load_text_dataset(cfg.model_copy(update={"model": cfg.model.model_copy(update={"kind": "mlp"})}))


def test_raw_text_predictor_equals_dataset_predictions(review_dataset, tokenizer):
    model = PoolingClassifier(review_dataset.vocab_size, 8, 8).eval()
    predict = text_predictor(model, tokenizer, max_length=review_dataset.max_length)
    texts = review_dataset.test.texts["text"].tolist()
    np.testing.assert_allclose(predict(texts), predict_text_proba(model, review_dataset.test),
                               rtol=1e-6)


def test_text_bias_audit_runs_on_a_text_context(review_dataset, tokenizer):
    from audit.text_bias import TextBiasConfig

    model = PoolingClassifier(review_dataset.vocab_size, 8, 8).eval()
    bias = TextBiasConfig(enabled=True, seat=False, attributions=False, axes=("names_gender",),
                          max_templates=2, bootstrap_replicates=20)
    ctx = AuditContext(modality="text", seed=0, dataset=review_dataset, model=model,
                       extras={"tokenizer": tokenizer})
    section = get_audit("text_bias").run(ctx, bias)
    assert section.axes and section.axes[0].axis == "names_gender"
