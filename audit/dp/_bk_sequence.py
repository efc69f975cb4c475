"""Single-pass per-example clipping for MLPs and transformer-style models (book-keeping).

The one-backward book-keeping of :mod:`audit.dp._bookkeeping` extended to the layers
transformer encoders are made of (``grad_sample_mode: bookkeeping`` uses this class for
all-Linear models too), with the cheaper way of getting each example's gradient norm chosen
per layer from its shapes (``T`` tokens, ``d_in`` -> ``d_out``; 2-D inputs use the outer
product norm ``|g_i|^2 |a_i|^2``):

* ``nn.Linear`` on ``(B, T, d_in)`` inputs: the *ghost norm*
  ``|G_i^T A_i|^2 = <A_i A_i^T, G_i G_i^T>`` (cost ``T^2 (d_in + d_out)`` per example) when
  ``T (d_in + d_out) < d_in d_out``, else the *instantiated* per-example gradient
  ``G_i^T A_i`` (cost ``T d_in d_out``), which is then reused for the clipped sum;
* ``nn.Embedding``: the ghost norm with ``A_i A_i^T`` replaced by "same token" indicators, so
  the ``vocab x hidden`` per-example gradient (hooks mode's cost: a dense ``B x V x H``
  tensor) is never built; the clipped sum is one ``index_add_``;
* ``nn.LayerNorm``: per-example gradients instantiated (``B x H``: cheap).

Activations and output gradients are kept from the ordinary forward and backward pass, so no
second backward pass is needed (opacus's ghost clipping runs two), and that backward pass
computes only activation gradients: the parameters are marked frozen from the forward pass
until the optimizer step, so autograd skips the summed weight gradients it would otherwise
compute and throw away. Noise, scaling and
accounting stay opacus's through :class:`~audit.dp._bookkeeping.BookKeepingDPOptimizer`.
Tests prove the clipped sums equal a plain per-example loop.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from audit.dp._bookkeeping import remove_keeper_hooks
from audit.dp._canaries import clip_factors
from audit.dp._errors import UnsupportedModelError

SUPPORTED = (nn.Linear, nn.Embedding, nn.LayerNorm)


def sequence_bookkeeping_supported(model: nn.Module) -> bool:
    """True when every trainable parameter belongs to exactly one Linear, Embedding or LayerNorm
    (no tied weights) and the embeddings are plain lookups."""
    owners: dict[int, int] = {}
    for module in model.modules():
        for p in module.parameters(recurse=False):
            if p.requires_grad:
                if not isinstance(module, SUPPORTED):
                    return False
                if isinstance(module, nn.Embedding) and (
                        module.max_norm is not None or module.scale_grad_by_freq or module.sparse):
                    return False
                owners[id(p)] = owners.get(id(p), 0) + 1
    trainable = [p for p in model.parameters() if p.requires_grad]
    return bool(trainable) and all(n == 1 for n in owners.values()) and len(owners) == len(
        {id(p) for p in trainable})


def _as_3d(x: torch.Tensor) -> torch.Tensor:
    """``(B, d)`` -> ``(B, 1, d)``; ``(B, ..., d)`` -> ``(B, T, d)``."""
    return x.reshape(x.shape[0], -1, x.shape[-1])


class SequenceBookKeeper:
    """Records each trainable layer's input and output gradient; computes clipped sums.

    Same interface as :class:`~audit.dp._bookkeeping.BookKeeper` (``clipped_sums``,
    ``remove``), used by the same optimizer. ``strategies`` maps each Linear layer to the
    norm strategy picked for the last batch (``"ghost"`` or ``"instantiated"``).
    """

    def __init__(self, model: nn.Module, *, loss_reduction: str = "mean") -> None:
        if getattr(model, "_rai_bookkeeper", None) is not None:
            raise UnsupportedModelError(
                "model", "a model without book-keeping hooks", "hooks already attached",
                "call remove() on the previous book-keeper before attaching a new one")
        self.layers = [m for m in model.modules() if isinstance(m, SUPPORTED)
                       and any(p.requires_grad for p in m.parameters(recurse=False))]
        self.loss_reduction = loss_reduction
        self.strategies: dict[nn.Module, str] = {}
        self._inputs: dict[nn.Module, torch.Tensor] = {}
        self._grads: dict[nn.Module, torch.Tensor] = {}
        # trainable parameters are marked frozen from each training forward until the clipped
        # sums are taken, so that autograd computes only the activation gradients: the
        # ordinary summed weight gradients would be thrown away (we build the clipped ones)
        self._params = [p for layer in self.layers for p in layer.parameters(recurse=False)
                        if p.requires_grad]
        self._frozen = False
        #: optional ``() -> {parameter: (k, *shape) rows} | None``: virtual examples clipped
        #: and summed with each batch (the white-box canaries, :mod:`audit.dp._canaries`)
        self.extra_rows = None
        self._handles = [model.register_forward_pre_hook(self._new_forward)]
        self._handles += [layer.register_forward_hook(self._record) for layer in self.layers]
        self.model = model
        model._rai_bookkeeper = self

    def _new_forward(self, module: nn.Module, args) -> None:
        if module.training and torch.is_grad_enabled():
            self._inputs.clear()
            self._grads.clear()
            self._freeze(True)

    def _freeze(self, frozen: bool) -> None:
        if frozen != self._frozen:
            for p in self._params:
                p.requires_grad_(not frozen)
            self._frozen = frozen

    def _record(self, module: nn.Module, inputs, output: torch.Tensor) -> None:
        if not (module.training and torch.is_grad_enabled()):
            return
        if module in self._inputs:
            raise UnsupportedModelError(
                f"layer {module}", "each trainable layer called once per forward pass",
                "a second call in the same step", "use privacy.grad_sample_mode 'hooks'")
        self._inputs[module] = inputs[0].detach()
        if not output.requires_grad:  # the first layer: nothing upstream needs a gradient
            output.requires_grad_(True)
        output.register_hook(lambda grad, module=module: self._grads.__setitem__(module, grad.detach()))

    # -- per layer: squared per-example norms, and what the clipped sum needs -------------
    def _linear(self, layer: nn.Linear, a: torch.Tensor, g: torch.Tensor):
        a, g = _as_3d(a), _as_3d(g).to(a.dtype)
        t, d_in, d_out = a.shape[1], a.shape[2], g.shape[2]
        bias = layer.bias is not None and layer.bias.requires_grad
        gb = g.sum(dim=1) if bias else None
        sq = gb.pow(2).sum(dim=1) if bias else torch.zeros(a.shape[0], device=a.device, dtype=a.dtype)
        per_example = None
        if layer.weight.requires_grad:
            if t == 1:
                self.strategies[layer] = "outer"
                sq = sq + g[:, 0].pow(2).sum(1) * a[:, 0].pow(2).sum(1)
            elif t * (d_in + d_out) < d_in * d_out:
                self.strategies[layer] = "ghost"
                aa = torch.bmm(a, a.transpose(1, 2))
                gg = torch.bmm(g, g.transpose(1, 2))
                sq = sq + (aa * gg).sum(dim=(1, 2))
            else:
                self.strategies[layer] = "instantiated"
                per_example = torch.bmm(g.transpose(1, 2), a)
                sq = sq + per_example.pow(2).sum(dim=(1, 2))
        return sq, (a, g, gb, per_example)

    def _linear_sums(self, layer: nn.Linear, saved, factor: torch.Tensor, sums: dict) -> None:
        a, g, gb, per_example = saved
        if layer.weight.requires_grad:
            if per_example is not None:
                sums[layer.weight] = torch.einsum("b,boi->oi", factor, per_example)
            else:
                scaled = g * factor[:, None, None]
                sums[layer.weight] = scaled.reshape(-1, g.shape[2]).t() @ a.reshape(-1, a.shape[2])
        if gb is not None:
            sums[layer.bias] = factor @ gb

    def _embedding(self, layer: nn.Embedding, ids: torch.Tensor, g: torch.Tensor):
        ids = ids.reshape(ids.shape[0], -1)
        g = g.reshape(ids.shape[0], ids.shape[1], -1)
        if layer.padding_idx is not None:  # the padding row gets no gradient
            g = g * (ids != layer.padding_idx).unsqueeze(-1).to(g.dtype)
        same = (ids.unsqueeze(2) == ids.unsqueeze(1)).to(g.dtype)
        gg = torch.bmm(g, g.transpose(1, 2))
        self.strategies[layer] = "ghost"
        return (same * gg).sum(dim=(1, 2)), (ids, g)

    def _embedding_sums(self, layer: nn.Embedding, saved, factor: torch.Tensor, sums: dict) -> None:
        ids, g = saved
        scaled = (g * factor[:, None, None]).reshape(-1, g.shape[2])
        sums[layer.weight] = torch.zeros_like(layer.weight).index_add_(0, ids.reshape(-1), scaled)

    def _layer_norm(self, layer: nn.LayerNorm, x: torch.Tensor, g: torch.Tensor):
        x_hat = F.layer_norm(x, layer.normalized_shape, eps=layer.eps)
        dims = tuple(range(1, x.dim() - len(layer.normalized_shape)))
        grads = {}
        if layer.weight is not None and layer.weight.requires_grad:
            grads[layer.weight] = (g * x_hat).sum(dim=dims) if dims else g * x_hat
        if layer.bias is not None and layer.bias.requires_grad:
            grads[layer.bias] = g.sum(dim=dims) if dims else g
        batch = x.shape[0]
        sq = sum(v.reshape(batch, -1).pow(2).sum(1) for v in grads.values())
        return sq, grads

    def clipped_sums(self, max_grad_norm: float,
                     scale: float = 1.0) -> dict[nn.Parameter, torch.Tensor]:
        """Sum over the batch of per-example gradients clipped to ``max_grad_norm`` (flat),
        times ``scale``."""
        self._freeze(False)
        extra = self.extra_rows() if self.extra_rows is not None else None
        if not self._grads:
            return self._extra_sums(extra, max_grad_norm, scale, {})
        saved = {}
        sq_norms = None
        for layer in self.layers:
            if layer not in self._grads:  # not reached by the loss (e.g. a frozen branch)
                continue
            a, g = self._inputs[layer], self._grads[layer]
            if isinstance(layer, nn.Linear):
                sq, saved[layer] = self._linear(layer, a, g)
            elif isinstance(layer, nn.Embedding):
                sq, saved[layer] = self._embedding(layer, a, g)
            else:
                sq, saved[layer] = self._layer_norm(layer, a, g)
            sq_norms = sq if sq_norms is None else sq_norms + sq
        batch = sq_norms.shape[0]
        # output gradients of a mean loss are per-example gradients / batch
        per_example = float(batch) if self.loss_reduction == "mean" else 1.0
        norms = sq_norms.clamp_(min=0).sqrt_().mul_(per_example)
        factor = clip_factors(norms, max_grad_norm).mul_(per_example * scale)
        sums: dict[nn.Parameter, torch.Tensor] = {}
        for layer, parts in saved.items():
            if isinstance(layer, nn.Linear):
                self._linear_sums(layer, parts, factor.to(parts[0].dtype), sums)
            elif isinstance(layer, nn.Embedding):
                self._embedding_sums(layer, parts, factor.to(parts[1].dtype), sums)
            else:
                for p, grad in parts.items():
                    sums[p] = torch.einsum("b,b...->...", factor.to(grad.dtype), grad)
        self._inputs.clear()
        self._grads.clear()
        return self._extra_sums(extra, max_grad_norm, scale, sums)

    def _extra_sums(self, extra, max_grad_norm: float, scale: float,
                    sums: dict[nn.Parameter, torch.Tensor]) -> dict[nn.Parameter, torch.Tensor]:
        """Add virtual examples' per-example gradient rows (``extra_rows``: the white-box
        canaries of :mod:`audit.dp._canaries`), clipped by the same rule as the batch's."""
        if extra is None:
            return sums
        norms = torch.stack([r.reshape(len(r), -1).pow(2).sum(dim=1) for r in extra.values()],
                            dim=1).sum(dim=1).sqrt()
        factor = clip_factors(norms, max_grad_norm).mul_(scale)
        for p, rows in extra.items():
            clipped = torch.einsum("b,b...->...", factor.to(rows.dtype), rows)
            sums[p] = sums[p].add(clipped) if p in sums else clipped
        return sums

    def remove(self) -> None:
        """Remove every hook; the model is as it was."""
        self._freeze(False)
        remove_keeper_hooks(self)
