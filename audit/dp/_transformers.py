"""Per-example embedding inputs, so transformer models train under opacus without surgery.

Hugging Face encoders (BERT, DistilBERT, GPT-2, ...) look up their position (and often
token-type) embeddings with one index row shared by the whole batch: a registered
``position_ids`` buffer of shape ``(1, L)``, or an ``expand``-ed view of a ``(1, L)`` buffer.
The embedding's output is broadcast over the batch, so the gradient reaching it is already
summed over examples: opacus's hooks mode then sees a batch of one for that layer and fails
to stack the per-example norms, and ghost mode calls ``view`` on the non-contiguous expanded
indices and fails.

:class:`PerExampleEmbeddingInputs` fixes both with forward pre-hooks and nothing else: the
model's own forward records the batch size, and every trainable ``nn.Embedding`` that is
called with a batch-of-one index tensor gets it expanded to one (contiguous) row per example.
Looking up the same indices once per example and adding them to a ``(B, L, H)`` tensor is the
same computation as broadcasting one lookup, so outputs are unchanged while each example's
gradient now reaches the layer separately. Tests prove the clipped gradients equal a plain
per-example loop.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

# keyword arguments that carry the batch dimension in Hugging Face forward signatures
_BATCH_KWARGS = ("input_ids", "inputs_embeds", "pixel_values", "input_values", "attention_mask")


def has_trainable_embeddings(model: nn.Module) -> bool:
    """True when ``model`` has an ``nn.Embedding`` whose weight is trained."""
    return any(isinstance(m, nn.Embedding) and m.weight.requires_grad for m in model.modules())


def _batch_size(args: tuple, kwargs: dict[str, Any]) -> int | None:
    for name in _BATCH_KWARGS:
        value = kwargs.get(name)
        if isinstance(value, torch.Tensor) and value.dim() >= 1:
            return int(value.shape[0])
    for value in (*args, *kwargs.values()):
        if isinstance(value, torch.Tensor) and value.dim() >= 1:
            return int(value.shape[0])
    return None


class PerExampleEmbeddingInputs:
    """Forward pre-hooks giving every trainable embedding one contiguous index row per example.

    Parameters
    ----------
    model : torch.nn.Module
        The user's model (not opacus's wrapper). Hooks act only in training mode with
        gradients enabled; :meth:`remove` takes them all off.

    Examples
    --------
    >>> emb = torch.nn.Embedding(10, 3)
    >>> class M(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.emb = emb
    ...     def forward(self, x):
    ...         return x + self.emb(torch.arange(4)[None])
    >>> hooks = PerExampleEmbeddingInputs(M())
    >>> hooks.model(torch.zeros(5, 4, 3)).shape
    torch.Size([5, 4, 3])
    >>> hooks.expanded
    1
    >>> hooks.remove()
    """

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.expanded = 0  # lookups widened so far (for tests and diagnostics)
        self._batch: int | None = None
        self._handles = [model.register_forward_pre_hook(self._record_batch, with_kwargs=True)]
        for module in model.modules():
            if isinstance(module, nn.Embedding) and module.weight.requires_grad:
                self._handles.append(module.register_forward_pre_hook(self._per_example))

    def _record_batch(self, module: nn.Module, args: tuple, kwargs: dict) -> None:
        self._batch = _batch_size(args, kwargs)

    def _per_example(self, module: nn.Module, args: tuple) -> tuple | None:
        if not (module.training and torch.is_grad_enabled()) or not args:
            return None
        indices = args[0]
        batch = self._batch
        if (batch is not None and batch > 1 and indices.dim() >= 2 and indices.shape[0] == 1):
            indices = indices.expand(batch, *indices.shape[1:])
            self.expanded += 1
        if not indices.is_contiguous():
            indices = indices.contiguous()
        if indices is args[0]:
            return None
        return (indices, *args[1:])

    def remove(self) -> None:
        """Remove every hook; the model is as it was."""
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
