"""Config blocks of text audits (``data.text``, ``model.text``, ``audits.text_models``).
Only pydantic here: :mod:`audit.config` imports this module."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TextDataConfig(_Strict):
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


class TextModelConfig(_Strict):
    """Text model options (``model.kind``: ``lstm``, ``pooling`` or ``hf``)."""

    path: str = Field("minilm", description="hf: a local Hugging Face model folder, or 'minilm'")
    embedding_dim: int = Field(384, gt=0, description="lstm/pooling: must match embedding_init")
    hidden_size: int = Field(64, gt=0)
    embedding_init: str | None = Field(
        "minilm", description="lstm/pooling: copy word embeddings from this model folder")
    freeze_embeddings: bool = True
    pair_features: bool = Field(
        False, description="pooling: pool text and text_pair separately, MLP on [a, b, a*b, |a-b|]")


class DistillationConfig(_Strict):
    """Distil the trained model (the teacher) into a small student, audit both."""

    enabled: bool = False
    student: Literal["pooling", "lstm"] = "pooling"
    temperature: float = Field(2.0, gt=0.0)
    alpha: float = Field(0.5, ge=0.0, le=1.0, description="weight of the soft (teacher) loss")
    epochs: int = Field(5, gt=0)
    batch_size: int = Field(64, gt=0)
    learning_rate: float = Field(1e-3, gt=0.0)
    student_alone: bool = Field(True, description="also train the student on labels only")
    max_accuracy_drop: float = Field(0.02, ge=0.0, description="'kept the accuracy' tolerance")


class TextModelsAuditConfig(_Strict):
    """Baselines and distillation of a text audit."""

    baselines: bool = True
    distillation: DistillationConfig = Field(default_factory=DistillationConfig)
