"""Small text classifiers over WordPiece ids, usable under DP-SGD (opacus), and the Hugging Face
model kind.

All take ``forward(input_ids, attention_mask=None, token_type_ids=None)`` like a Hugging Face
model, so one dataset and one collate (:mod:`audit.text`) serve every kind.

Why the text architectures live in :mod:`audit.models` and not in :mod:`audit.text`: every
model kind is then registered in one place when ``audit.models`` is imported, so
:func:`~audit.models.build_model` and :func:`~audit.models.load_model` find ``lstm``, ``pooling``
and ``hf`` whatever was imported before (a registry that ``audit.text`` filled on import would
make a saved text model loadable or not depending on import order). ``audit.models`` stays below
``audit.text``: text (data, tokenization, training, distillation) builds models and imports this
package; this package imports nothing of text (pretrained folders are found by
:mod:`audit.models._pretrained`, the shared errors are in :mod:`audit.errors`).
"""

from __future__ import annotations

import re
from pathlib import Path

import torch
from opacus.layers import DPLSTM
from torch import nn

from audit.errors import ConfigError, MissingTextModelError, TokenizerModelMismatchError
from audit.models._pretrained import resolve_model_dir

#: DPLSTM's own parameter names (aliases of torch's ``weight_ih_l0``...).
_DPLSTM_ALIAS = re.compile(r"(^|\.)lstm\.l\d+\.")

#: Name of the word-embedding tensor in a BERT checkpoint (what ``embedding_init`` copies).
BERT_WORD_EMBEDDINGS = ("embeddings.word_embeddings.weight", "bert.embeddings.word_embeddings.weight")


def pretrained_word_embeddings(path: str | Path) -> torch.Tensor:
    """The word-embedding matrix of a BERT-style model folder (``"minilm"``: the shipped one),
    read from its ``model.safetensors`` without building the model."""
    from safetensors import safe_open

    weights = resolve_model_dir(path) / "model.safetensors"
    if not weights.is_file():
        raise ConfigError(str(path), "a folder with model.safetensors", "no such file",
                          "use a model folder saved with safetensors (save_pretrained)")
    with safe_open(str(weights), framework="pt") as f:
        name = next((k for k in BERT_WORD_EMBEDDINGS if k in f.keys()), None)  # noqa: SIM118
        if name is None:
            raise ConfigError(str(path), f"a tensor named one of {BERT_WORD_EMBEDDINGS}",
                              "none of them", "use a BERT-style checkpoint or embedding_init: null")
        return f.get_tensor(name).float()


def _embedding_table(module: nn.Module, vocab_size: int, embedding_dim: int,
                     embedding_init: str | None, freeze: bool) -> None:
    if embedding_init:
        table = pretrained_word_embeddings(embedding_init)
        if tuple(table.shape) != (vocab_size, embedding_dim):
            raise TokenizerModelMismatchError(
                "embedding_init", f"a ({vocab_size}, {embedding_dim}) table (vocab x embedding_dim)",
                f"shape {tuple(table.shape)}", "set vocab_size and embedding_dim to the "
                "pretrained model's (use its tokenizer too)")
        with torch.no_grad():
            module.weight.copy_(table)
    module.weight.requires_grad_(not freeze)


def _mask(input_ids: torch.Tensor, attention_mask: torch.Tensor | None) -> torch.Tensor:
    if attention_mask is None:
        return torch.ones_like(input_ids, dtype=torch.float32)
    return attention_mask.to(torch.float32)


class PoolingClassifier(nn.Module):
    """Mean of the token embeddings over the tokens the attention mask keeps, then an MLP
    (fastText-style when the embeddings are trained).

    With ``pair_features``, the first text and the text pair (``token_type_ids`` 0 and 1) are
    pooled separately and the MLP reads ``[a, b, a * b, |a - b|]``: the matching features of
    InferSent (Conneau et al., 2017), which let a bag of words compare a question with its
    passage. Every trainable layer is an ``nn.Embedding`` or ``nn.Linear``, so DP-SGD clips
    per-example gradients without a dense ``batch x vocab x dim`` tensor (book-keeping, see
    :func:`audit.dp.choose_grad_sample_mode`), and token attributions run on
    :meth:`get_input_embeddings`.

    Parameters
    ----------
    vocab_size : int
        The tokenizer's vocabulary size.
    embedding_dim, hidden_size : int
    n_classes : int
    dropout : float
    embedding_init : str, optional
        Copy the word embeddings of this model folder (``"minilm"``: the shipped MiniLM, 384 wide).
    freeze_embeddings : bool
        Keep the embedding table fixed (fast, and no per-example embedding gradients under DP).
    pair_features : bool
        Pool the two texts of a pair separately (see above); without a text pair ``b`` is zero.
    """

    def __init__(self, vocab_size: int, embedding_dim: int = 64, hidden_size: int = 64,
                 n_classes: int = 2, dropout: float = 0.1, embedding_init: str | None = None,
                 freeze_embeddings: bool = False, pair_features: bool = False) -> None:
        super().__init__()
        self.config = {"vocab_size": int(vocab_size), "embedding_dim": int(embedding_dim),
                       "hidden_size": int(hidden_size), "n_classes": int(n_classes),
                       "dropout": float(dropout), "embedding_init": embedding_init,
                       "freeze_embeddings": bool(freeze_embeddings), "pair_features": bool(pair_features)}
        self.pair_features = bool(pair_features)
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        _embedding_table(self.embedding, vocab_size, embedding_dim, embedding_init, freeze_embeddings)
        width = 4 * embedding_dim if self.pair_features else embedding_dim
        self.head = nn.Sequential(nn.Linear(width, hidden_size), nn.ReLU(),
                                  nn.Dropout(dropout), nn.Linear(hidden_size, n_classes))

    def get_input_embeddings(self) -> nn.Embedding:
        """The token-embedding layer (what token attributions are computed on)."""
        return self.embedding

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None) -> torch.Tensor:
        mask = _mask(input_ids, attention_mask)
        tokens = self.embedding(input_ids)

        def mean(weights: torch.Tensor) -> torch.Tensor:
            return (tokens * weights.unsqueeze(-1)).sum(dim=1) / weights.sum(dim=1, keepdim=True).clamp(min=1.0)

        if not self.pair_features:
            return self.head(mean(mask))
        second = (token_type_ids.to(mask.dtype) if token_type_ids is not None
                  else torch.zeros_like(mask))
        a, b = mean(mask * (1.0 - second)), mean(mask * second)
        return self.head(torch.cat([a, b, a * b, (a - b).abs()], dim=1))


class LSTMClassifier(nn.Module):
    """Token embeddings -> (optionally a linear projection) -> opacus's ``DPLSTM`` (per-example
    gradients for DP-SGD) -> the masked mean and the last real position's output -> a logit
    layer.

    Right padding keeps every real position's (forward-direction) output unaffected by the pads.

    ``projection_size`` puts an ``nn.Linear(embedding_dim, projection_size)`` between the
    embeddings and the LSTM (a low-rank factorisation of the LSTM's input weights). Under
    DP-SGD this is what makes the LSTM affordable: opacus's ``DPLSTM`` computes per-example
    gradients of its input weights once per time step (``batch x 4 hidden x input`` numbers
    each), while a Linear over the whole sequence gets them in one contraction; with 384-wide
    MiniLM embeddings, a 64-wide projection makes a DP step about 6x faster (4.5 s -> 0.74 s at
    batch 128 and 60 tokens) and halves the trained parameters, so the same noise is spread over
    fewer coordinates.

    Parameters
    ----------
    vocab_size : int
    embedding_dim, hidden_size : int
    n_classes : int
    dropout : float
    embedding_init : str, optional
        Copy the word embeddings of this model folder (``"minilm"``).
    freeze_embeddings : bool
        Recommended under DP-SGD: opacus would otherwise hold a (batch, vocab, dim) gradient.
    projection_size : int, optional
        Width of a linear projection of the embeddings fed to the LSTM (see above); None feeds
        the embeddings directly.
    normalize_embeddings : bool
        Standardise each token's embedding (``LayerNorm`` without parameters: zero mean, unit
        variance over its ``embedding_dim`` entries) before the projection and the LSTM.
        MiniLM's word vectors have entries of standard deviation about 0.055 (they are meant
        to pass through BERT's embedding LayerNorm); fed raw into default-initialised layers,
        the LSTM's gate inputs are near zero and its outputs barely depend on the text (a
        logistic probe on the untrained LSTM's outputs scores the majority class). Adam
        compensates without privacy; under DP-SGD the text-dependent gradient is then buried
        in the noise.
    """

    def __init__(self, vocab_size: int, embedding_dim: int = 64, hidden_size: int = 64,
                 n_classes: int = 2, dropout: float = 0.1, embedding_init: str | None = None,
                 freeze_embeddings: bool = False, projection_size: int | None = None,
                 normalize_embeddings: bool = False) -> None:
        super().__init__()
        self.config = {"vocab_size": int(vocab_size), "embedding_dim": int(embedding_dim),
                       "hidden_size": int(hidden_size), "n_classes": int(n_classes),
                       "dropout": float(dropout), "embedding_init": embedding_init,
                       "freeze_embeddings": bool(freeze_embeddings),
                       "projection_size": None if projection_size is None else int(projection_size),
                       "normalize_embeddings": bool(normalize_embeddings)}
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        _embedding_table(self.embedding, vocab_size, embedding_dim, embedding_init, freeze_embeddings)
        self.embedding_norm = (nn.LayerNorm(embedding_dim, elementwise_affine=False)
                               if normalize_embeddings else nn.Identity())
        self.projection = (nn.Linear(embedding_dim, projection_size) if projection_size
                           else nn.Identity())
        self.lstm = DPLSTM(projection_size or embedding_dim, hidden_size, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(2 * hidden_size, n_classes)

    # DPLSTM exposes each weight under two names (torch's ``weight_ih_l0`` and its own
    # ``l0.ih.weight``); safetensors refuses shared tensors, so only torch's names are saved
    def state_dict(self, *args, **kwargs):
        state = super().state_dict(*args, **kwargs)
        for key in [k for k in state if _DPLSTM_ALIAS.search(k)]:
            del state[key]
        return state

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        result = super().load_state_dict(state_dict, strict=False, assign=assign)
        missing = [k for k in result.missing_keys if not _DPLSTM_ALIAS.search(k)]
        if strict and (missing or result.unexpected_keys):
            raise RuntimeError(f"LSTMClassifier state: missing {missing}, unexpected "
                               f"{result.unexpected_keys}")
        return result

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None) -> torch.Tensor:
        mask = _mask(input_ids, attention_mask)
        states, _ = self.lstm(self.projection(self.embedding_norm(self.embedding(input_ids))))
        weights = (mask / mask.sum(dim=1, keepdim=True).clamp(min=1.0)).unsqueeze(-1)
        mean = (states * weights).sum(dim=1)
        last_index = (mask.sum(dim=1).long() - 1).clamp(min=0)
        last = states[torch.arange(len(states), device=states.device), last_index]
        return self.out(self.dropout(torch.cat([mean, last], dim=1)))


def hf_classifier(path: str | Path = "minilm", n_classes: int = 2, *,
                  allow_pickle_weights: bool = False) -> nn.Module:
    """``AutoModelForSequenceClassification.from_pretrained(path)`` from a local folder only
    (``"minilm"``: the shipped MiniLM); a new classification head is initialised when the
    folder has none.

    Weights are read from safetensors only: a folder holding only ``pytorch_model.bin`` (a
    pickle) is refused unless ``allow_pickle_weights`` (``model.text.allow_pickle_weights``),
    and then it is read with ``torch.load(weights_only=True)``.

    Raises
    ------
    MissingTextModelError
        The folder is missing, incomplete or not loadable.
    UnsafeWeightsError
        Only pickled weights, and they were not allowed (or ``weights_only`` refused them).
    """
    import pickle

    import transformers
    from transformers import AutoModelForSequenceClassification

    from audit.errors import UnsafeWeightsError

    folder = resolve_model_dir(path)
    has_safetensors = any(folder.glob("*.safetensors")) or any(folder.glob("*.safetensors.index.json"))
    if not has_safetensors and not allow_pickle_weights:
        pickled = sorted(p.name for p in folder.glob("*.bin"))
        raise UnsafeWeightsError(
            str(path), "weights in safetensors format (model.safetensors)",
            f"only pickled weights ({', '.join(pickled) or 'no weights file'})",
            "convert them once where you trust the file (model.save_pretrained(folder, "
            "safe_serialization=True)), or set model.text.allow_pickle_weights: true to read "
            "them with torch.load(weights_only=True)")
    verbosity = transformers.logging.get_verbosity()
    bars = transformers.utils.logging.is_progress_bar_enabled()
    transformers.logging.set_verbosity_error()  # the "newly initialised head" notice is expected
    transformers.utils.logging.disable_progress_bar()
    try:
        return AutoModelForSequenceClassification.from_pretrained(
            str(folder), num_labels=n_classes, local_files_only=True,
            use_safetensors=not allow_pickle_weights or has_safetensors)
    except pickle.UnpicklingError as exc:
        raise UnsafeWeightsError(
            str(path), "weights torch.load(weights_only=True) can read",
            f"a pickle it refused ({str(exc).splitlines()[0][:160]})",
            "do not use this file: get the weights as safetensors from a source you trust"
            ) from None
    except (OSError, ValueError) as exc:
        raise MissingTextModelError(
            str(path), "a folder loadable by AutoModelForSequenceClassification",
            str(exc).splitlines()[0][:200], "save it with model.save_pretrained(folder)") from None
    finally:
        transformers.logging.set_verbosity(verbosity)
        if bars:
            transformers.utils.logging.enable_progress_bar()
