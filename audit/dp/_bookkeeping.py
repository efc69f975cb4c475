"""Single-pass per-example clipping for models made of ``nn.Linear`` layers.

For a linear layer on 2-D inputs, example i's weight gradient is the outer product
``g_i a_i^T`` of its output gradient and its input, so its squared norm is
``|g_i|^2 |a_i|^2`` (plus ``|g_i|^2`` for the bias) and the sum of clipped gradients is one
matrix product ``(c * G)^T A``, the same cost as the ordinary weight gradient. Keeping the
activations and output gradients from the one backward pass ("book-keeping", Bu et al. 2023)
avoids both opacus's materialised per-example gradients (hooks mode) and ghost clipping's
second backward pass.

Noise, scaling and accounting stay opacus's: :class:`BookKeepingDPOptimizer` is a
``DPOptimizer`` whose only change is where the clipped sum comes from. Tests prove the clipped
sums equal opacus's hooks mode.
"""

from __future__ import annotations

import torch
from opacus.optimizers import DPOptimizer
from torch import nn

from audit.dp._errors import UnsupportedModelError


def bookkeeping_supported(model: nn.Module) -> bool:
    """True when every trainable parameter belongs to an ``nn.Linear`` layer."""
    linear_params = {id(p) for m in model.modules() if isinstance(m, nn.Linear)
                     for p in m.parameters(recurse=False)}
    trainable = [p for p in model.parameters() if p.requires_grad]
    return bool(trainable) and all(id(p) in linear_params for p in trainable)


class BookKeeper:
    """Records inputs and output gradients of every trainable ``nn.Linear`` of ``model``.

    Hooks are removed by :meth:`remove` (the trainer does so in ``finally``); attaching a
    second BookKeeper to the same model is refused.
    """

    def __init__(self, model: nn.Module, *, loss_reduction: str = "mean") -> None:
        if getattr(model, "_rai_bookkeeper", None) is not None:
            raise UnsupportedModelError(
                "model", "a model without book-keeping hooks", "hooks already attached",
                "call remove() on the previous BookKeeper before attaching a new one")
        self.layers = [m for m in model.modules() if isinstance(m, nn.Linear)
                       and any(p.requires_grad for p in m.parameters(recurse=False))]
        self.loss_reduction = loss_reduction
        self._inputs: dict[nn.Module, torch.Tensor] = {}
        self._grads: dict[nn.Module, torch.Tensor] = {}
        self._handles = []
        for layer in self.layers:
            self._handles.append(layer.register_forward_hook(self._record))
        self.model = model
        model._rai_bookkeeper = self

    def _record(self, module: nn.Module, inputs, output: torch.Tensor) -> None:
        """Keep the layer's input and hook its output to catch the output gradient."""
        if not (module.training and torch.is_grad_enabled()):
            return
        activation = inputs[0]
        if activation.dim() != 2:
            raise UnsupportedModelError(
                f"layer {module}", "2-D inputs (batch, features) for book-keeping clipping",
                f"an input of shape {tuple(activation.shape)}",
                "set privacy.grad_sample_mode to 'hooks' or 'ghost' for sequence models")
        self._inputs[module] = activation.detach()
        output.register_hook(lambda grad, module=module: self._save_grad(module, grad))

    def _save_grad(self, module: nn.Module, grad: torch.Tensor) -> None:
        self._grads[module] = grad.detach()

    def clipped_sums(self, max_grad_norm: float,
                     scale: float = 1.0) -> dict[nn.Parameter, torch.Tensor]:
        """Sum over the batch of per-example gradients clipped to ``max_grad_norm`` (flat),
        multiplied by ``scale`` (folded into the clip factors: no extra pass)."""
        if not self._grads:
            return {}
        batch = next(iter(self._grads.values())).shape[0]
        # output gradients of a mean loss are per-example gradients / batch
        per_example = float(batch) if self.loss_reduction == "mean" else 1.0
        sq_norms = None
        for layer in self.layers:
            a, g = self._inputs[layer], self._grads[layer]
            g_sq = g.pow(2).sum(dim=1)
            contribution = g_sq * a.pow(2).sum(dim=1)
            if layer.bias is not None and layer.bias.requires_grad:
                contribution = contribution + g_sq
            sq_norms = contribution if sq_norms is None else sq_norms + contribution
        norms = sq_norms.sqrt().mul_(per_example)
        factor = (max_grad_norm / (norms + 1e-6)).clamp_(max=1.0).mul_(per_example * scale)
        factor = factor.unsqueeze(1)
        sums: dict[nn.Parameter, torch.Tensor] = {}
        for layer in self.layers:
            a, g = self._inputs[layer], self._grads[layer]
            scaled = g * factor.to(g.dtype)
            if layer.weight.requires_grad:
                sums[layer.weight] = scaled.t() @ a
            if layer.bias is not None and layer.bias.requires_grad:
                sums[layer.bias] = scaled.sum(dim=0)
        self._inputs.clear()
        self._grads.clear()
        return sums

    def remove(self) -> None:
        """Remove every hook; the model is as it was."""
        remove_keeper_hooks(self)


def remove_keeper_hooks(keeper) -> None:
    """Remove a book-keeper's hooks, drop what they recorded, and unmark its model."""
    for handle in keeper._handles:
        handle.remove()
    keeper._handles.clear()
    keeper._inputs.clear()
    keeper._grads.clear()
    if getattr(keeper.model, "_rai_bookkeeper", None) is keeper:
        del keeper.model._rai_bookkeeper


class BookKeepingDPOptimizer(DPOptimizer):
    """opacus ``DPOptimizer`` taking its clipped per-example sum from a :class:`BookKeeper`.

    Noise (``add_noise``), scaling (``scale_grad``), the step hook the accountant attaches and
    the skip logic are opacus's own. Gradient accumulation across steps is not supported
    (Poisson sampling forbids it anyway).
    """

    def __init__(self, optimizer: torch.optim.Optimizer, *, bookkeeper: BookKeeper,
                 **kwargs) -> None:
        super().__init__(optimizer, **kwargs)
        self.bookkeeper = bookkeeper

    @property
    def accumulated_iterations(self) -> int:
        return 1

    def clip_and_accumulate(self) -> None:
        sums = self.bookkeeper.clipped_sums(self.max_grad_norm)
        for p in self.params:
            p.summed_grad = sums[p] if p in sums else torch.zeros_like(p)

    def pre_step(self, closure=None) -> bool:
        """opacus's clip -> noise -> scale -> accountant hook, in fewer kernel launches.

        Outside secure mode the ``1 / expected_batch_size`` scaling is folded into the clip
        factors and the Gaussian noise for all parameters is drawn in one call; the result is
        the same distribution as opacus's ``add_noise`` + ``scale_grad``. In secure mode
        opacus's own methods run unchanged.
        """
        if self.secure_mode or self._check_skip_next_step(pop_next=False):
            self.clip_and_accumulate()
            if self._check_skip_next_step():
                self._is_last_step_skipped = True
                return False
            self.add_noise()
            self.scale_grad()
        else:
            scale = 1.0 / self.expected_batch_size if self.loss_reduction == "mean" else 1.0
            sums = self.bookkeeper.clipped_sums(self.max_grad_norm, scale)
            std = self.noise_multiplier * self.max_grad_norm * scale
            params = self.params
            sizes = [p.numel() for p in params]
            noise = None
            if std > 0:
                noise = torch.normal(0.0, std, (sum(sizes),), generator=self.generator,
                                     device=params[0].device).split(sizes)
            for i, p in enumerate(params):
                grad = sums[p] if p in sums else torch.zeros_like(p)
                p.grad = grad.add_(noise[i].view_as(p)) if noise is not None else grad
        if self.step_hook:
            self.step_hook(self)
        self._is_last_step_skipped = False
        return True
