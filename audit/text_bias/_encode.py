"""Sentence embeddings and class probabilities from Hugging Face style torch models."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch


def _last_hidden(output) -> torch.Tensor:
    hidden = output.last_hidden_state if hasattr(output, "last_hidden_state") else (
        output[0] if isinstance(output, (tuple, list)) else output)
    if not isinstance(hidden, torch.Tensor) or hidden.ndim != 3:
        from audit.text_bias._errors import TextBiasError

        raise TextBiasError("encoder", "a model returning token states of shape (batch, tokens, dim)",
                            f"an output of shape {tuple(getattr(hidden, 'shape', ()))}",
                            "pass encoder_path (a sentence-encoder folder) or a transformer encoder")
    return hidden


def mean_pooled_embedder(encoder: torch.nn.Module, tokenizer, *, batch_size: int = 64,
                         max_length: int = 128) -> Callable[[Sequence[str]], np.ndarray]:
    """``embed(sentences) -> (n, d)``: token states averaged over the attention mask, as
    sentence-transformers' mean pooling does (all-MiniLM-L6-v2's ``1_Pooling`` config).

    ``encoder`` is a bare transformer (``AutoModel``) or a task model whose ``base_model`` is one.
    """
    base = getattr(encoder, "base_model", encoder)
    device = next(base.parameters()).device

    def embed(sentences: Sequence[str]) -> np.ndarray:
        chunks = []
        was_training = base.training
        base.eval()
        try:
            with torch.no_grad():
                for lo in range(0, len(sentences), batch_size):
                    enc = tokenizer(list(sentences[lo:lo + batch_size]), padding=True, truncation=True,
                                    max_length=max_length, return_tensors="pt").to(device)
                    hidden = _last_hidden(base(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]))
                    mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                    chunks.append(((hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)).cpu().numpy())
        finally:
            base.train(was_training)
        return np.concatenate(chunks) if chunks else np.zeros((0, 0))

    return embed


def load_encoder(path: str | Path):
    """Tokenizer and bare encoder from a local folder (offline: ``local_files_only``)."""
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModel.from_pretrained(path, local_files_only=True)
    return tokenizer, model


def hf_predict_proba(model: torch.nn.Module, tokenizer, *, target: int = 1, batch_size: int = 64,
                     max_length: int = 128):
    """``predict_proba(texts)`` or ``predict_proba(texts, text_pairs)`` for a classifier whose
    forward takes ``input_ids``/``attention_mask``: the softmax probability of ``target``
    (sigmoid of a single logit)."""
    from audit.explain import output_logits, target_probability

    device = next(model.parameters()).device

    def predict_proba(texts: Sequence[str], text_pairs: Sequence[str] | None = None) -> np.ndarray:
        out = []
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                for lo in range(0, len(texts), batch_size):
                    args = [list(texts[lo:lo + batch_size])]
                    if text_pairs is not None:
                        args.append(list(text_pairs[lo:lo + batch_size]))
                    enc = tokenizer(*args, padding=True, truncation=True, max_length=max_length,
                                    return_tensors="pt").to(device)
                    kwargs = {k: v for k, v in enc.items() if k in ("input_ids", "attention_mask", "token_type_ids")}
                    out.append(target_probability(output_logits(model(**kwargs)), target).cpu().numpy())
        finally:
            model.train(was_training)
        return np.concatenate(out) if out else np.zeros(0)

    return predict_proba
