"""Token attributions of text classifiers, merged back to words (captum on the embedding layer).

Works with any torch model whose forward takes ``input_ids`` and ``attention_mask`` (Hugging
Face style; ``token_type_ids`` too when the tokenizer makes them and the model takes them) and
returns logits (or an object with ``.logits``), and an HF *fast* tokenizer, whose ``word_ids``
and offsets map word pieces back to the words of the text.

The explained output is the margin of the target logit over the mean of the other logits (for
two classes, the log-odds of the target), or the single logit of a one-output model.
Layer Integrated Gradients uses as baseline the same sequence with every non-special token
replaced by the pad token, and reports its completeness error (convergence delta).
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from audit.explain._errors import ExplainError, TargetOutOfRangeError

TextMethod = Literal["integrated_gradients", "gradient_x_activation"]
TEXT_METHOD_LABELS = {"integrated_gradients": "Layer Integrated Gradients (embedding layer)",
                 "gradient_x_activation": "Gradient x embedding (LayerGradientXActivation)"}


class TokenizerNotFastError(ExplainError):
    """Word-level merging needs a fast tokenizer (``word_ids`` and offsets)."""


class EmbeddingLayerNotFoundError(ExplainError):
    """No embedding layer was given and none could be found on the model."""


@dataclass(frozen=True)
class TextExplanation:
    """One text explained word by word.

    ``spans[i]`` is ``(segment, start, end)``: which text of a pair (0 the first, 1 the second)
    and the character span of word ``i`` in it. ``convergence_delta`` is NaN for methods
    without completeness.
    """

    text: str
    text_pair: str | None
    method: str
    words: tuple[str, ...]
    spans: tuple[tuple[int, int, int], ...]
    scores: tuple[float, ...]
    probability: float
    output: float
    baseline_output: float
    convergence_delta: float


def find_embedding_layer(model: torch.nn.Module) -> torch.nn.Module:
    """``model.get_input_embeddings()`` when the model has it, else its only ``nn.Embedding``."""
    getter = getattr(model, "get_input_embeddings", None)
    if callable(getter):
        try:
            layer = getter()
        except NotImplementedError:
            layer = None
        if layer is not None:
            return layer
    # nn.EmbeddingBag pools inside the layer: its output has no per-token values to attribute.
    found = [m for m in model.modules() if isinstance(m, torch.nn.Embedding)]
    if len(found) != 1:
        raise EmbeddingLayerNotFoundError(
            "embedding_layer", "one token-embedding layer on the model (or get_input_embeddings())",
            f"{len(found)} embedding layers", "pass embedding_layer=<the nn.Embedding of the tokens>")
    return found[0]


def output_logits(output) -> torch.Tensor:
    """The logits of a model output: ``.logits`` (Hugging Face), the first of a tuple, or itself."""
    return output.logits if hasattr(output, "logits") else (output[0] if isinstance(output, tuple) else output)


def explained_output(logits: torch.Tensor, target: int) -> torch.Tensor:
    """The margin of ``target`` over the other logits' mean (the logit itself for one output)."""
    if logits.ndim == 1:
        logits = logits[:, None]
    if logits.shape[-1] == 1:
        return logits[:, 0]
    others = torch.cat([logits[:, :target], logits[:, target + 1:]], dim=1)
    return logits[:, target] - others.mean(dim=1)


def target_probability(logits: torch.Tensor, target: int) -> torch.Tensor:
    """Probability of class ``target``: softmax of the logits (sigmoid of a single logit)."""
    if logits.ndim == 1 or logits.shape[-1] == 1:
        return torch.sigmoid(logits.reshape(-1))
    return torch.softmax(logits, dim=-1)[:, target]


def _accepts(model: torch.nn.Module, name: str) -> bool:
    try:
        params = inspect.signature(model.forward).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _encode(tokenizer, texts: Sequence[str], pairs: Sequence[str] | None, max_length: int):
    if not getattr(tokenizer, "is_fast", False):
        raise TokenizerNotFastError("tokenizer", "a fast (Rust) Hugging Face tokenizer",
                                    type(tokenizer).__name__,
                                    "load it with AutoTokenizer.from_pretrained(..., use_fast=True)")
    args = (list(texts), list(pairs)) if pairs is not None else (list(texts),)
    return tokenizer(*args, padding=True, truncation=True, max_length=max_length, return_tensors="pt",
                     return_offsets_mapping=True)


def _merge_words(enc, i: int, token_scores: np.ndarray, texts: Sequence[str], pairs: Sequence[str] | None):
    words, spans, scores = [], [], []
    key_index: dict[tuple[int, int], int] = {}
    offsets = enc["offset_mapping"][i].tolist()
    for t, (word, seq) in enumerate(zip(enc.word_ids(i), enc.sequence_ids(i))):
        if word is None or seq is None:
            continue
        start, end = offsets[t]
        key = (seq, word)
        if key not in key_index:
            key_index[key] = len(words)
            words.append(None)
            spans.append([seq, start, end])
            scores.append(0.0)
        j = key_index[key]
        spans[j][1], spans[j][2] = min(spans[j][1], start), max(spans[j][2], end)
        scores[j] += float(token_scores[t])
    for j, (seq, start, end) in enumerate(spans):
        source = texts[i] if seq == 0 else pairs[i]
        words[j] = source[start:end]
    return tuple(words), tuple(tuple(s) for s in spans), tuple(scores)


def explain_texts(model: torch.nn.Module, tokenizer, texts: Sequence[str], *,
                  text_pairs: Sequence[str] | None = None, method: TextMethod = "integrated_gradients",
                  target: int = 1, n_steps: int = 32, embedding_layer: torch.nn.Module | None = None,
                  max_length: int = 128, batch_size: int = 8, internal_batch_size: int | None = None
                  ) -> list[TextExplanation]:
    """Word-level attributions of ``texts`` (and their pairs) by a captum layer method.

    Parameters
    ----------
    model : torch.nn.Module
        ``model(input_ids=..., attention_mask=...)`` returns logits (or ``.logits``).
    tokenizer : fast Hugging Face tokenizer
    texts, text_pairs : sequence of str
        Texts (for a pair task: the first texts, e.g. questions, and the second, e.g. passages).
    method : {"integrated_gradients", "gradient_x_activation"}
        captum ``LayerIntegratedGradients`` (with ``n_steps`` and a convergence delta) or
        ``LayerGradientXActivation`` on the embedding layer.
    target : int
        Class index explained.
    embedding_layer : torch.nn.Module, optional
        Default: :func:`find_embedding_layer`.

    Returns
    -------
    list of TextExplanation
        Attributions summed over the embedding dimension and over the word pieces of each word;
        special and padding tokens are left out.

    Examples
    --------
    >>> from audit.models import PoolingClassifier
    >>> from audit.text import load_tokenizer
    >>> tokenizer = load_tokenizer()
    >>> _ = torch.manual_seed(0)
    >>> model = PoolingClassifier(tokenizer.vocab_size, embedding_dim=8, hidden_size=8).eval()
    >>> ex = explain_texts(model, tokenizer, ["a fine film"])
    >>> ex[0].words, ex[0].spans
    (('a', 'fine', 'film'), ((0, 0, 1), (0, 2, 6), (0, 7, 11)))
    """
    from captum.attr import LayerGradientXActivation, LayerIntegratedGradients

    if text_pairs is not None and len(text_pairs) != len(texts):
        raise ExplainError("text_pairs", f"one pair per text ({len(texts)})", f"{len(text_pairs)} pairs",
                           "pass as many second texts as first texts")
    layer = embedding_layer if embedding_layer is not None else find_embedding_layer(model)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    special = set(tokenizer.all_special_ids)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    results: list[TextExplanation] = []
    try:
        for lo in range(0, len(texts), batch_size):
            chunk = list(texts[lo:lo + batch_size])
            pairs = list(text_pairs[lo:lo + batch_size]) if text_pairs is not None else None
            enc = _encode(tokenizer, chunk, pairs, max_length)
            ids = enc["input_ids"].to(device)
            mask = enc["attention_mask"].to(device)
            types = enc.get("token_type_ids")
            types = types.to(device) if types is not None and _accepts(model, "token_type_ids") else None

            def forward(input_ids, attention_mask, token_type_ids=None):
                kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
                if token_type_ids is not None:
                    kwargs["token_type_ids"] = token_type_ids
                return explained_output(output_logits(model(**kwargs)), target)

            with torch.no_grad():
                logits = output_logits(model(input_ids=ids, attention_mask=mask,
                                       **({"token_type_ids": types} if types is not None else {})))
                if logits.ndim == 2 and logits.shape[-1] > 1 and not 0 <= target < logits.shape[-1]:
                    raise TargetOutOfRangeError("target", f"a class index in [0, {logits.shape[-1] - 1}]",
                                                str(target), "explain one of the model's classes")
                outputs = explained_output(logits, target)
                probs = target_probability(logits, target)
            baseline = ids.clone()
            keep = torch.zeros_like(ids, dtype=torch.bool)
            for sid in special:
                keep |= ids == sid
            baseline[~keep] = pad_id
            extra = (mask, types)
            if method == "integrated_gradients":
                explainer = LayerIntegratedGradients(forward, layer)
                attr, delta = explainer.attribute(ids, baselines=baseline, additional_forward_args=extra,
                                                  n_steps=n_steps, return_convergence_delta=True,
                                                  internal_batch_size=internal_batch_size)
                with torch.no_grad():
                    base_out = forward(baseline, mask, types)
                deltas = delta.detach().cpu().numpy().reshape(-1)
            elif method == "gradient_x_activation":
                attr = LayerGradientXActivation(forward, layer).attribute(ids, additional_forward_args=extra)
                base_out = torch.full_like(outputs, float("nan"))
                deltas = np.full(len(chunk), np.nan)
            else:
                raise ExplainError("method", f"one of {', '.join(TEXT_METHOD_LABELS)}", repr(method),
                                   "choose a listed text attribution method")
            if tuple(attr.shape[:2]) != tuple(ids.shape):
                raise ExplainError("embedding_layer",
                                   f"a layer with one output per token (shape {tuple(ids.shape)}, dim)",
                                   f"output of shape {tuple(attr.shape)}",
                                   "attribute at the token nn.Embedding (an nn.EmbeddingBag pools tokens away)")
            token_scores = attr.detach().sum(dim=-1).cpu().numpy() if attr.ndim == 3 else attr.detach().cpu().numpy()
            for i in range(len(chunk)):
                words, spans, scores = _merge_words(enc, i, token_scores[i], chunk, pairs)
                results.append(TextExplanation(
                    text=chunk[i], text_pair=pairs[i] if pairs is not None else None, method=method,
                    words=words, spans=spans, scores=scores, probability=float(probs[i]),
                    output=float(outputs[i]), baseline_output=float(base_out[i]),
                    convergence_delta=float(deltas[i])))
    finally:
        model.train(was_training)
    return results


@dataclass(frozen=True)
class MethodTiming:
    """Seconds and completeness of one method over a set of texts (for reports and benchmarks)."""

    method: str
    n_texts: int
    seconds: float
    mean_abs_delta: float
    max_relative_delta: float


def summarise(explanations: Sequence[TextExplanation], seconds: float) -> MethodTiming:
    """Completeness summary: mean |delta|, and the largest |delta| relative to the mean
    |output - baseline output| over the texts (relative to each text's own change, a text whose
    output barely moves from the baseline would make any tiny delta look large)."""
    deltas = np.array([e.convergence_delta for e in explanations], dtype=float)
    gaps = np.array([abs(e.output - e.baseline_output) for e in explanations], dtype=float)
    method = explanations[0].method if explanations else ""
    if not len(deltas) or np.isnan(deltas).all():
        return MethodTiming(method, len(explanations), seconds, float("nan"), float("nan"))
    rel = np.nanmax(np.abs(deltas)) / max(float(np.nanmean(gaps)), 1e-6)
    return MethodTiming(method, len(explanations), seconds, float(np.nanmean(np.abs(deltas))), float(rel))


def timed_explain(*args, **kwargs) -> tuple[list[TextExplanation], MethodTiming]:
    """:func:`explain_texts` plus its :func:`summarise` (wall-clock seconds)."""
    tick = time.perf_counter()
    out = explain_texts(*args, **kwargs)
    return out, summarise(out, time.perf_counter() - tick)
