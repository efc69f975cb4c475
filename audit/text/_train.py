"""Training and inference glue: text models through the one training core."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import torch

from audit.text._data import TextDataset, TextSplit, collate
from audit.text._errors import TokenizerModelMismatchError
from audit.training import TrainingRun, fit


def input_embedding_size(model: torch.nn.Module) -> int | None:
    """Rows of the model's token-embedding table (Hugging Face or :mod:`audit.models` text kinds)."""
    getter = getattr(model, "get_input_embeddings", None)
    table = getter() if callable(getter) else getattr(model, "embedding", None)
    return getattr(table, "num_embeddings", None)


def check_tokenizer_model(tokenizer: Any, model: torch.nn.Module, *, max_length: int | None = None,
                          model_tokenizer: Any = None) -> None:
    """Refuse a tokenizer whose ids the model cannot embed, or whose vocabulary differs from
    the tokenizer saved with the model.

    Raises
    ------
    TokenizerModelMismatchError
    """
    vocab = len(tokenizer)
    rows = input_embedding_size(model)
    if rows is not None and vocab > rows:
        raise TokenizerModelMismatchError(
            "tokenizer", f"a tokenizer with at most {rows} ids (the model's embedding table)",
            f"{type(tokenizer).__name__} with {vocab} ids",
            "use the tokenizer saved with the model (data.text.tokenizer: the model's folder)")
    if model_tokenizer is not None and model_tokenizer.get_vocab() != tokenizer.get_vocab():
        raise TokenizerModelMismatchError(
            "tokenizer", "the vocabulary of the tokenizer saved with the model",
            f"a different vocabulary ({vocab} vs {len(model_tokenizer)} entries)",
            "tokenize with the model's own tokenizer")
    positions = getattr(getattr(model, "config", None), "max_position_embeddings", None)
    if max_length is not None and isinstance(positions, int) and max_length > positions:
        raise TokenizerModelMismatchError(
            "max_length", f"at most {positions} tokens (the model's position embeddings)",
            str(max_length), f"set data.text.max_length <= {positions}")


def train_text_model(model: torch.nn.Module, dataset: TextDataset, *, validation: bool = True,
                     train: TextSplit | None = None, **fit_kwargs: Any) -> TrainingRun:
    """:func:`audit.training.fit` on ``dataset.train`` (or ``train``) with per-batch padding.

    ``fit_kwargs`` are :func:`~audit.training.fit`'s (epochs, batch_size, privacy, loss_fn...).
    Under DP-SGD with grad-sample mode ``auto``, recurrent models get opacus's ``hooks`` mode
    (:func:`audit.dp.choose_grad_sample_mode`).

    Examples
    --------
    >>> import pandas as pd
    >>> from audit.text import build_text_dataset, load_tokenizer
    >>> reviews = pd.DataFrame({"review": ["a fine film", "a dull film", "great acting", "a poor plot",
    ...                                    "a lovely score", "an awful script"] * 6,
    ...                         "label": [1, 0] * 18})
    >>> ds = build_text_dataset(reviews, reviews, text="review", target="label",
    ...                         tokenizer=load_tokenizer())
    >>> import torch
    >>> from audit.text import PoolingClassifier
    >>> _ = torch.manual_seed(0)
    >>> model = PoolingClassifier(ds.vocab_size, embedding_dim=8, hidden_size=8)
    >>> run = train_text_model(model, ds, epochs=3, batch_size=8, learning_rate=0.05,
    ...                        progress=False)
    >>> len(run.history), run.history[-1].metrics["val/accuracy"]
    (3, 0.75)
    """
    fit_kwargs.setdefault("collate_fn", dataset.collate)
    return fit_text(model, train if train is not None else dataset.train,
                    validation=dataset.validation if validation else None, **fit_kwargs)


def fit_text(model: torch.nn.Module, train: Any, **fit_kwargs: Any) -> TrainingRun:
    """:func:`audit.training.fit` for a text model on any dataset of text items (pass the
    dataset's ``collate_fn``): the reference models and the canary twin of the privacy audit
    train through here too."""
    # from_pretrained returns eval mode; opacus's validator refuses a model not in training mode
    model.train()
    with warnings.catch_warnings():
        # frozen embeddings: the first layer opacus hooks gets inputs without gradients, for
        # which torch notes that its full backward hook sees only output gradients (all opacus
        # needs); not a problem, so not shown to every text-model user
        warnings.filterwarnings("ignore", message="Full backward hook is firing when gradients")
        return fit(model, train, **fit_kwargs)


@torch.no_grad()
def predict_logits(model: torch.nn.Module, split: TextSplit, *, batch_size: int = 64,
                   pad_id: int = 0) -> np.ndarray:
    """Logits ``(n, n_classes)`` of ``model`` on ``split`` (batches of similar lengths, for speed;
    rows come back in the split's order)."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    order = np.argsort(split.lengths, kind="stable")
    out = np.zeros((len(split), 0), dtype=np.float32)
    chunks = []
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        inputs = collate([(split[int(i)][0], torch.tensor(0)) for i in idx], pad_id)[0]
        output = model(**{k: v.to(device) for k, v in inputs.items()})
        chunks.append(getattr(output, "logits", output).float().cpu().numpy())
    model.train(was_training)
    if chunks:
        out = np.zeros((len(split), chunks[0].shape[1]), dtype=np.float32)
        out[order] = np.concatenate(chunks)
    return out


def predict_text_proba(model: torch.nn.Module, split: TextSplit, *, batch_size: int = 64,
                       pad_id: int = 0) -> np.ndarray:
    """Probability of class 1 for each example of ``split``."""
    logits = torch.from_numpy(predict_logits(model, split, batch_size=batch_size, pad_id=pad_id))
    if logits.numel() == 0:
        return np.zeros(0)
    return torch.softmax(logits.double(), dim=1)[:, 1].numpy()
