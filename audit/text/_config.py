"""Config blocks of text runs (``data.text``, ``model.text``).
Only pydantic here: :mod:`audit.config` imports this module."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from audit.core import StrictConfig


class TextDataConfig(StrictConfig):
    """Which columns hold the texts and how they are tokenized (``data.loader: text``).

    The label column is ``data.target``; group columns are ``data.sensitive_features``.
    """

    text: str = Field(description="column holding the text (e.g. a question)")
    text_pair: str | None = Field(None, description="optional second text (e.g. the passage)")
    tokenizer: str | None = Field(
        None, description="tokenizer folder or 'minilm'; default: model.text.path (the model's)")
    max_length: int = Field(128, gt=2, description="longest encoded example, special tokens included")
    overflow: Literal["truncate", "refuse"] = Field(
        "truncate", description="longer examples: truncate (longest_first) or refuse")
    max_train_examples: int | None = Field(None, gt=10, description="stratified subset of train")
    max_validation_examples: int | None = Field(None, gt=10)
    max_test_examples: int | None = Field(None, gt=10)


class TextModelConfig(StrictConfig):
    """Text model options (``model.kind``: ``lstm``, ``pooling`` or ``hf``)."""

    path: str = Field("minilm", description="hf: a local Hugging Face model folder, or 'minilm'")
    embedding_dim: int = Field(384, gt=0, description="lstm/pooling: must match embedding_init")
    hidden_size: int = Field(64, gt=0)
    projection_size: int | None = Field(
        None, gt=0, description="lstm: project the embeddings to this width before the LSTM "
                                "(about 6x faster DP-SGD steps with 384-wide embeddings)")
    normalize_embeddings: bool = Field(
        False, description="lstm: standardise each token's embedding (LayerNorm, no parameters) "
                           "before the LSTM")
    embedding_init: str | None = Field(
        "minilm", description="lstm/pooling: copy word embeddings from this model folder")
    freeze_embeddings: bool = True
    pair_features: bool = Field(
        False, description="pooling: pool text and text_pair separately, MLP on [a, b, a*b, |a-b|]")
    allow_pickle_weights: bool = Field(
        False, description="hf: read a folder that only has pytorch_model.bin (a pickle) with "
                           "torch.load(weights_only=True); default: safetensors only")
