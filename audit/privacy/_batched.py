"""Reference models trained together: K small MLPs as one batched model.

LiRA and RMIA need K reference models of the target's architecture, each trained on its own
subset of a pool. Trained one after another with :func:`audit.training.fit`, most of the time
goes to per-step overhead (the loader collating 256 single rows, K separate small matmuls).
Here the K models' weights are stacked (``(K, out, in)``) and every step runs one batched
matmul per layer (``torch.baddbmm``) over K equal-shaped batches, one per model, each from that
model's own subset, gathered by row number from the pool (no per-row collation). At the end of
an epoch, where the models' last batches differ in size, the models are grouped by batch size
(never padded), and a model whose subset has fewer batches sits out the extra steps (no
update, no optimiser state change).

Each model equals its separately trained twin: the same initial weights (``build_model()``
after ``seed_everything(seed_k)``), the same batch order (the loader's own sampler, seeded as
:func:`audit.training.fit` seeds it), the same dropout masks (drawn from a generator seeded
like fit's global one, in the same order, applied as ``torch.dropout`` applies them) and the
same optimiser update (Adam, AdamW, SGD with momentum 0.9, written out per model with its own
step count, in torch's order of operations). At the census MLP's widths the result is bitwise
the twin's after 10 epochs (MKL runs the same gemm kernels batched and one by one); for tiny
layers MKL's small-matrix kernels round differently, about 1e-7 (tests pin both).

Supported: ``nn.Sequential`` (or :class:`audit.models.TabularMLP`) of ``Linear``, ``ReLU``,
``Tanh``, ``Sigmoid``, ``GELU``, ``LeakyReLU``, ``Identity`` and ``Dropout``, on a
``TensorDataset`` of float rows, without DP. Anything else falls back to one ``fit`` per model.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset
from tqdm.auto import tqdm

from audit.training import seed_everything

__all__ = ["batched_unsupported_reason", "train_batched"]

_ACTIVATIONS = (nn.ReLU, nn.Tanh, nn.Sigmoid, nn.GELU, nn.LeakyReLU, nn.Identity)
#: fit arguments the batched trainer reproduces (others force the one-by-one path).
_SUPPORTED_FIT_KWARGS = {"epochs", "batch_size", "optimizer", "learning_rate", "weight_decay",
                         "device", "progress"}


def _layers(model: nn.Module) -> list[nn.Module] | None:
    seq = model.net if hasattr(model, "net") and type(model).__name__ == "TabularMLP" else model
    if not isinstance(seq, nn.Sequential):
        return None
    layers = list(seq)
    if not all(isinstance(m, (nn.Linear, nn.Dropout, *_ACTIVATIONS)) for m in layers):
        return None
    return layers


def batched_unsupported_reason(model: nn.Module, dataset: Dataset,
                               fit_kwargs: dict[str, Any]) -> str:
    """Why K copies of ``model`` cannot be trained as one batched model ("" when they can)."""
    if fit_kwargs.get("privacy") is not None:
        return ("DP-SGD (privacy set): per-example clipping, noise and accounting are not "
                "batched")
    extra = sorted(k for k, v in fit_kwargs.items() if k not in _SUPPORTED_FIT_KWARGS
                   and not (k in ("privacy", "callbacks", "validation", "collate_fn", "loss_fn")
                            and not v))
    if extra:
        return f"training options {extra} are not batched (DP, callbacks, custom loss or loader)"
    if _layers(model) is None:
        return (f"{type(model).__name__} is not a Sequential of Linear, activation and Dropout "
                "layers")
    if not isinstance(dataset, TensorDataset) or len(dataset.tensors) not in (2, 3) or \
            dataset.tensors[0].ndim != 2 or not dataset.tensors[0].is_floating_point():
        return "the data is not a TensorDataset of float rows"
    if fit_kwargs.get("optimizer", "adam") not in ("adam", "adamw", "sgd"):
        return f"optimizer {fit_kwargs.get('optimizer')!r} is not batched"
    return ""


class _StackedOptimizer:
    """Adam / AdamW / SGD (momentum 0.9) on stacked parameters, one step count per model,
    written like torch.optim's single-tensor implementations so each model's update equals
    the one torch would make for it alone."""

    def __init__(self, params: list[torch.Tensor], name: str, lr: float, weight_decay: float):
        self.params, self.name, self.lr, self.wd = params, name, lr, weight_decay
        k = params[0].shape[0]
        self.steps = torch.zeros(k, dtype=torch.float64)
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]
        self.started = torch.zeros(k, dtype=torch.bool)

    @torch.no_grad()
    def step(self, active: torch.Tensor) -> None:
        self.steps += active.double()
        everyone = bool(active.all())
        b1, b2, eps = 0.9, 0.999, 1e-8
        t = self.steps.clamp(min=1)
        for p, m, v in zip(self.params, self.m, self.v):
            shape = (-1,) + (1,) * (p.ndim - 1)
            g = p.grad
            if self.name != "adamw" and self.wd:
                g = g.add(p, alpha=self.wd)
            if self.name == "sgd":
                first = (~self.started).view(shape)
                update = torch.where(first, g, m * 0.9 + g)
                new_p = p - self.lr * update
            else:
                new_m = m.lerp(g, 1 - b1)
                new_v = (v * b2).addcmul_(g, g, value=1 - b2)
                step_size = (self.lr / (1 - b1 ** t)).to(p.dtype).view(shape)
                bc2_sqrt = torch.sqrt(1 - b2 ** t).to(p.dtype).view(shape)
                denom = (new_v.sqrt() / bc2_sqrt).add_(eps)
                decayed = p * (1 - self.lr * self.wd) if self.name == "adamw" else p
                new_p = decayed - step_size * new_m / denom
            if everyone:  # the usual step: no masking needed
                p.copy_(new_p)
                if self.name == "sgd":
                    m.copy_(update)
                else:
                    m.copy_(new_m)
                    v.copy_(new_v)
                continue
            on = active.view(shape)
            p.copy_(torch.where(on, new_p, p))
            if self.name == "sgd":
                m.copy_(torch.where(on, update, m))
            else:
                m.copy_(torch.where(on, new_m, m))
                v.copy_(torch.where(on, new_v, v))
        self.started |= active.to(self.started.device)


class _Rows(Dataset):
    """Pool row numbers of one model's subset, fetched a batch at a time: the loader's sampler
    (hence its batch order) is fit's, without collating rows one by one."""

    def __init__(self, idx: np.ndarray):
        self.idx = torch.from_numpy(np.asarray(idx, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.idx)

    def __getitems__(self, positions: list[int]) -> torch.Tensor:
        return self.idx[torch.tensor(positions, dtype=torch.int64)]


def _identity(batch):
    return batch


def _forward(layers, weights, biases, x, masks):
    """Batched forward: ``x`` (K, B, d); ``masks`` dropout keep-masks per Dropout layer."""
    li, di = 0, 0
    for layer in layers:
        if isinstance(layer, nn.Linear):
            w, b = weights[li], biases[li]
            x = (torch.baddbmm(b.unsqueeze(1), x, w.transpose(1, 2)) if b is not None
                 else torch.bmm(x, w.transpose(1, 2)))
            li += 1
        elif isinstance(layer, nn.Dropout):
            if masks is not None and layer.p > 0:
                x = x * (masks[di] / (1 - layer.p)) if layer.p < 1 else x * 0
            di += 1
        else:
            x = layer(x)
    return x


def _groups_by_batch_size(batch: list[torch.Tensor | None]):
    """``(model indices, (n_models, n) row numbers)`` for each batch size of this step.

    Models are grouped by their batch's size so that no batch is padded: a padded matmul sums
    over a longer (zero-filled) dimension and rounds differently from the model's own ``fit``;
    grouped, each model's forward and backward are bitwise those of its twin.
    """
    sizes: dict[int, list[int]] = {}
    for k, b in enumerate(batch):
        if b is not None:
            sizes.setdefault(len(b), []).append(k)
    for ks in sizes.values():
        yield ks, torch.stack([batch[k] for k in ks])


def _group_loss(layers, weights, biases, ks, rows, X, y, w_all, dropout_layers, dropout_width,
                dropout_gens):
    """Sum over the models ``ks`` of each one's mean training loss on its batch ``rows``."""
    g, n = rows.shape
    everyone = g == weights[0].shape[0]
    pick = torch.tensor(ks, device=rows.device)
    w = weights if everyone else [t[pick] for t in weights]
    b = biases if everyone else [t[pick] if t is not None else None for t in biases]
    masks = []
    for layer, width in zip(dropout_layers, dropout_width):
        mask = torch.empty(g, n, width)
        if layer.p > 0:  # each model's mask from its own generator, as fit's dropout draws it
            for j, k in enumerate(ks):
                mask[j].bernoulli_(1 - layer.p, generator=dropout_gens[k])
        masks.append(mask.to(rows.device))
    logits = _forward(layers, w, b, X[rows], masks)
    losses = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y[rows].reshape(-1),
                             reduction="none").view(g, n)
    if w_all is not None:
        losses = losses * w_all[rows].to(losses.dtype)
    return (losses.sum(dim=1) / n).sum()


def train_batched(
    build_model: Callable[[], nn.Module],
    pool: TensorDataset,
    subsets: Sequence[np.ndarray],
    seeds: Sequence[int],
    *,
    epochs: int = 10,
    batch_size: int = 256,
    optimizer: str = "adam",
    learning_rate: float = 1e-3,
    weight_decay: float = 0.0,
    device: str | torch.device = "cpu",
    progress: bool = False,
) -> list[nn.Module]:
    """Train ``len(subsets)`` copies of ``build_model()`` together, model ``k`` on
    ``pool[subsets[k]]`` with seed ``seeds[k]``, as :func:`audit.training.fit` would one by one.

    Parameters
    ----------
    build_model : callable
        Returns a fresh model (see :func:`batched_unsupported_reason` for what is supported).
    pool : TensorDataset
        ``(features, labels[, sample_weights])``.
    subsets : sequence of int arrays
        Row indices of each model's training subset.
    seeds : sequence of int
        Each model's seed (its initial weights, batch order and dropout masks).
    epochs, batch_size, optimizer, learning_rate, weight_decay, device
        As in :func:`audit.training.fit`.

    Returns
    -------
    list of torch.nn.Module
        The trained models, in eval mode, on the CPU.

    Examples
    --------
    >>> data = TensorDataset(torch.randn(40, 3), torch.randint(0, 2, (40,)))
    >>> build = lambda: torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(),
    ...                                     torch.nn.Linear(4, 2))
    >>> models = train_batched(build, data, [np.arange(20), np.arange(20, 40)], [0, 1],
    ...                        epochs=1, batch_size=8)
    >>> len(models)
    2
    """
    from audit.training import resolve_device

    device = resolve_device(device)
    del progress
    templates, generators, dropout_gens, loaders = [], [], [], []
    for seed, idx in zip(seeds, subsets):
        seed_everything(int(seed))
        templates.append(build_model())
        # fit: seed_everything(seed) again, a loader generator, dropout from the global RNG
        generators.append(torch.Generator().manual_seed(int(seed)))
        dropout_gens.append(torch.Generator().manual_seed(int(seed)))
        loaders.append(DataLoader(_Rows(idx), batch_size=batch_size, shuffle=True,
                                  generator=generators[-1], collate_fn=_identity))
    layers = _layers(templates[0])
    linear_pos = [i for i, m in enumerate(layers) if isinstance(m, nn.Linear)]
    dropout_layers = [m for m in layers if isinstance(m, nn.Dropout)]
    all_layers = [_layers(t) for t in templates]
    weights = [torch.stack([ls[i].weight.detach() for ls in all_layers]).to(device)
               .requires_grad_() for i in linear_pos]
    biases = [(torch.stack([ls[i].bias.detach() for ls in all_layers]).to(device).requires_grad_()
               if layers[i].bias is not None else None) for i in linear_pos]
    params = [*weights, *[b for b in biases if b is not None]]
    opt = _StackedOptimizer(params, optimizer, learning_rate, weight_decay)
    X, y = pool.tensors[0].to(device), pool.tensors[1].to(device)
    w_all = pool.tensors[2].to(device) if len(pool.tensors) == 3 else None
    widths = [layers[i].out_features for i in linear_pos]
    dropout_width = []  # the width each Dropout layer sees
    li = 0
    for layer in layers:
        if isinstance(layer, nn.Linear):
            li += 1
        elif isinstance(layer, nn.Dropout):
            dropout_width.append(widths[li - 1] if li else X.shape[1])
    for _ in range(epochs):
        # iterated as fit iterates its loader (through tqdm, which draws from the loader's
        # generator once more than a bare loop), so the batch order is fit's
        epoch_batches = [list(tqdm(loader, disable=True, leave=False))
                         for loader in loaders]
        n_steps = max(len(b) for b in epoch_batches)
        for step in range(n_steps):
            batch = [b[step] if step < len(b) else None for b in epoch_batches]
            active = torch.tensor([b is not None for b in batch])
            loss = torch.zeros((), device=device)
            for ks, rows in _groups_by_batch_size(batch):
                loss = loss + _group_loss(layers, weights, biases, ks, rows.to(device), X, y,
                                          w_all, dropout_layers, dropout_width, dropout_gens)
            for p in params:
                p.grad = None
            loss.backward()
            opt.step(active.to(device))
    models = []
    for k, template in enumerate(templates):
        model = copy.deepcopy(template)
        own = _layers(model)
        with torch.no_grad():
            for j, i in enumerate(linear_pos):
                own[i].weight.copy_(weights[j][k].detach().cpu())
                if biases[j] is not None:
                    own[i].bias.copy_(biases[j][k].detach().cpu())
        models.append(model.eval())
    return models
