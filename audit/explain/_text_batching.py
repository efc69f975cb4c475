"""Word attributions of many texts at once: length-sorted chunks sized in expanded tokens.

Layer Integrated Gradients runs the model on ``n_steps`` scaled copies of every text. Passing
texts to captum in their own order pads each batch to its longest text, and captum's default
(``internal_batch_size=None``) pushes every copy of the batch through the model in one pass.
Here the texts are sorted by token count, so a chunk holds texts of about the same length
(little padding), and a chunk holds as many texts as fit in ``tokens_per_pass`` expanded tokens
(texts x steps x padded length): short texts go many at a time, long ones few, and a text too
long for the budget alone is split into captum internal batches. Results come back in the
texts' order and are those of :func:`~audit.explain.explain_texts` on each chunk.

On the CPU, passes of a few thousand expanded tokens run fastest for a 6-layer MiniLM
(measured by ``benchmarks/bench_text_attributions.py``); on a GPU larger passes fill the
device, bounded by memory.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from audit.explain._errors import ExplainError
from audit.explain._text import TextExplanation, TextMethod, explain_texts

#: Expanded tokens (texts x steps x padded length) per forward/backward pass.
CPU_TOKENS_PER_PASS = 8_192
GPU_TOKENS_PER_PASS = 262_144


def default_tokens_per_pass(device: torch.device) -> int:
    """:data:`GPU_TOKENS_PER_PASS` on CUDA, else :data:`CPU_TOKENS_PER_PASS`."""
    return GPU_TOKENS_PER_PASS if device.type == "cuda" else CPU_TOKENS_PER_PASS


def token_counts(tokenizer, texts: Sequence[str], pairs: Sequence[str] | None, max_length: int) -> np.ndarray:
    """Encoded length of each text (special tokens included, truncated to ``max_length``)."""
    args = (list(texts), list(pairs)) if pairs is not None else (list(texts),)
    enc = tokenizer(*args, truncation=True, max_length=max_length, return_attention_mask=False,
                    return_token_type_ids=False)
    return np.array([len(ids) for ids in enc["input_ids"]], dtype=np.int64)


def length_chunks(lengths: np.ndarray, steps: int, tokens_per_pass: int) -> list[np.ndarray]:
    """Indices of the texts in each chunk: sorted by length, each chunk as large as
    ``texts x steps x longest <= tokens_per_pass`` allows (at least one text).

    Examples
    --------
    >>> [c.tolist() for c in length_chunks(np.array([5, 2, 9, 3]), steps=2, tokens_per_pass=20)]
    [[1, 3], [0], [2]]
    """
    order = np.argsort(lengths, kind="stable")
    chunks: list[list[int]] = []
    for i in order:
        if chunks and (len(chunks[-1]) + 1) * steps * int(lengths[i]) <= tokens_per_pass:
            chunks[-1].append(int(i))
        else:
            chunks.append([int(i)])
    return [np.asarray(c, dtype=np.int64) for c in chunks]


def explain_texts_batched(model: torch.nn.Module, tokenizer, texts: Sequence[str], *,
                          text_pairs: Sequence[str] | None = None,
                          method: TextMethod = "integrated_gradients", target: int = 1, n_steps: int = 32,
                          max_length: int = 128, tokens_per_pass: int | None = None,
                          embedding_layer: torch.nn.Module | None = None) -> list[TextExplanation]:
    """:func:`~audit.explain.explain_texts` over length-sorted chunks (see the module notes).

    Parameters
    ----------
    tokens_per_pass : int, optional
        Expanded tokens per pass (default :func:`default_tokens_per_pass`).
    model, tokenizer, texts, text_pairs, method, target, n_steps, max_length, embedding_layer
        As for :func:`~audit.explain.explain_texts`.

    Returns
    -------
    list of TextExplanation
        In the order of ``texts``.

    Raises
    ------
    ExplainError
        ``tokens_per_pass`` below one, or pairs that do not match the texts.

    Examples
    --------
    >>> from audit.explain import explain_texts
    >>> from audit.models import PoolingClassifier
    >>> from audit.text import load_tokenizer
    >>> tokenizer = load_tokenizer()
    >>> _ = torch.manual_seed(0)
    >>> model = PoolingClassifier(tokenizer.vocab_size, embedding_dim=8, hidden_size=8).eval()
    >>> reviews = ["a fine film", "dull and far too long", "great"]
    >>> batched = explain_texts_batched(model, tokenizer, reviews, n_steps=8)
    >>> alone = explain_texts(model, tokenizer, reviews, n_steps=8)
    >>> [e.words for e in batched] == [e.words for e in alone]
    True
    >>> all(abs(a - b) < 1e-6 for x, y in zip(batched, alone) for a, b in zip(x.scores, y.scores))
    True
    """
    if text_pairs is not None and len(text_pairs) != len(texts):
        raise ExplainError("text_pairs", f"one pair per text ({len(texts)})", f"{len(text_pairs)} pairs",
                           "pass as many second texts as first texts")
    budget = tokens_per_pass if tokens_per_pass is not None else default_tokens_per_pass(
        next(model.parameters()).device)
    if budget < 1:
        raise ExplainError("tokens_per_pass", "a positive number of expanded tokens", str(budget),
                           "leave it unset for the device's default")
    if not len(texts):
        return []
    steps = n_steps if method == "integrated_gradients" else 1
    lengths = token_counts(tokenizer, texts, text_pairs, max_length)
    out: list[TextExplanation | None] = [None] * len(texts)
    for chunk in length_chunks(lengths, steps, budget):
        longest = int(lengths[chunk].max())
        # one text longer than the budget: captum splits its copies into passes of this many rows
        internal = max(1, budget // longest) if len(chunk) * steps * longest > budget else None
        explained = explain_texts(
            model, tokenizer, [texts[i] for i in chunk],
            text_pairs=[text_pairs[i] for i in chunk] if text_pairs is not None else None,
            method=method, target=target, n_steps=n_steps, embedding_layer=embedding_layer,
            max_length=max_length, batch_size=len(chunk), internal_batch_size=internal)
        for i, explanation in zip(chunk, explained):
            out[i] = explanation
    return out
