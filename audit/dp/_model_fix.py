"""What is checked around opacus's automatic model fix (``privacy.fix_model``).

* **BatchNorm is refused before training.** In training mode it normalises each example with
  the statistics of its batch, so one example's output (and gradient) depends on the others
  and per-example clipping bounds nothing. opacus's fixer swaps it for ``GroupNorm(min(32, C),
  C)``, which is a sound replacement only on inputs with spatial dims: on ``(batch, C)``
  inputs each group holds one value, is normalised to 0, and the layer outputs its bias for
  every row (a BatchNorm MLP became a constant model this way, with a normal-looking epsilon).
  So BatchNorm on ``(batch, features)`` inputs is refused with ``nn.LayerNorm(C)`` proposed;
  on inputs with spatial dims opacus's GroupNorm is kept when ``fix_model`` is on.
* **After any fix, the outputs must still vary** over a sample batch: a fixed model whose
  output standard deviation across rows collapsed is refused, naming the replaced layers.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from audit.dp._errors import BatchNormUnderDPError, ConstantAfterFixError
from audit.errors import Problem, raise_problems

#: Every BatchNorm flavour (the lazy ones are not subclasses of the plain ones).
BATCH_NORMS: tuple[type[nn.Module], ...] = (
    nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm,
    nn.LazyBatchNorm1d, nn.LazyBatchNorm2d, nn.LazyBatchNorm3d)

#: A fixed model is constant when its output std across rows is below this fraction of the
#: original model's (the broken GroupNorm gave 1.5e-6 against about 0.3).
CONSTANT_RATIO = 1e-3


def forward_outputs(model: nn.Module, inputs: Any) -> torch.Tensor:
    """The model's output tensor for a batch given as a tensor, a tuple or a dict of tensors."""
    if isinstance(inputs, dict):
        out = model(**inputs)
    elif isinstance(inputs, (tuple, list)):
        out = model(*inputs)
    else:
        out = model(inputs)
    return getattr(out, "logits", out)


def _input_dims(model: nn.Module, layers: list[nn.Module], sample: Any) -> dict[int, int]:
    """``id(layer) -> ndim`` of each layer's input on ``sample`` (eval mode, no gradient, so
    running statistics are untouched)."""
    seen: dict[int, int] = {}
    handles = [layer.register_forward_pre_hook(
        lambda module, args: seen.setdefault(id(module), args[0].dim()) and None)
        for layer in layers]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            forward_outputs(model, sample)
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()
    return seen


def _groups_for(channels: int) -> int:
    """The largest divisor of ``channels`` up to 32 (GroupNorm needs one)."""
    return max(g for g in range(1, min(32, channels) + 1) if channels % g == 0)


def batch_norm_problems(model: nn.Module, *, fix_model: bool,
                        sample: Any = None) -> list[Problem]:
    """One :class:`~audit.errors.Problem` per BatchNorm layer that DP-SGD cannot train.

    Parameters
    ----------
    model : torch.nn.Module
    fix_model : bool
        Whether opacus's fixer may replace BatchNorm with GroupNorm where that is valid (inputs
        with spatial dims); when False every BatchNorm is reported.
    sample : tensor, tuple or dict of tensors, optional
        A batch of inputs, run once to see whether each ``BatchNorm1d`` gets ``(batch, C)``
        or ``(batch, C, L)`` inputs. Without it a ``BatchNorm1d`` counts as ``(batch, C)``.

    Examples
    --------
    >>> net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 1))
    >>> [p.fix.split(" (")[0] for p in batch_norm_problems(net, fix_model=True)]
    ["replace nn.BatchNorm1d(8) at '1' with nn.LayerNorm(8)"]
    """
    layers = [(name, m) for name, m in model.named_modules() if isinstance(m, BATCH_NORMS)]
    if not layers:
        return []
    dims = (_input_dims(model, [m for _, m in layers], sample) if sample is not None else {})
    problems = []
    for name, layer in layers:
        channels = layer.num_features
        ndim = dims.get(id(layer))
        spatial = (isinstance(layer, (nn.BatchNorm2d, nn.BatchNorm3d, nn.LazyBatchNorm2d,
                                      nn.LazyBatchNorm3d)) or (ndim is not None and ndim >= 3))
        trainable = any(p.requires_grad for p in layer.parameters(recurse=False))
        if spatial and fix_model and trainable:
            continue  # opacus's GroupNorm is valid here; the outputs are checked after the fix
        kind = type(layer).__name__
        shape = (f"{ndim}-D inputs" if ndim is not None else
                 "inputs of unknown shape (no sample batch), taken as (batch, features)")
        if spatial:
            fix = (f"replace nn.{kind}({channels}) at '{name}' with "
                   f"nn.GroupNorm({_groups_for(channels)}, {channels}) (valid here: its inputs "
                   "have spatial dims), or set privacy.fix_model: true to let opacus do it")
        else:
            fix = (f"replace nn.{kind}({channels}) at '{name}' with nn.LayerNorm({channels}) "
                   "(it normalises each example on its own; opacus and book-keeping train it). "
                   "GroupNorm is not a fix here: on (batch, features) inputs it outputs only "
                   "its bias")
        problems.append(Problem(
            BatchNormUnderDPError, f"model.{name}",
            "no BatchNorm under DP-SGD (it normalises each example with its batch peers, so "
            "per-example gradients and their clipping are undefined)",
            f"{kind}({channels}) on {shape}", fix))
    return problems


def check_batch_norm(model: nn.Module, *, fix_model: bool, sample: Any = None) -> None:
    """Raise :class:`BatchNormUnderDPError` listing every BatchNorm DP-SGD cannot train.

    See :func:`batch_norm_problems` for the parameters.
    """
    raise_problems(batch_norm_problems(model, fix_model=fix_model, sample=sample))


def _row_std(model: nn.Module, sample: Any) -> tuple[float, int]:
    """Largest standard deviation across rows of any output column, and the row count."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = forward_outputs(model, sample).float()
    finally:
        model.train(was_training)
    out = out.reshape(out.shape[0], -1)
    if out.shape[0] < 2:
        return float("nan"), int(out.shape[0])
    return float(out.std(dim=0).max()), int(out.shape[0])


def replaced_layers(original: nn.Module, fixed: nn.Module) -> list[str]:
    """``"name: old -> new"`` for every submodule whose type the fix changed."""
    before = dict(original.named_modules())
    return [f"{name or 'model'}: {before[name]} -> {module}"
            for name, module in fixed.named_modules()
            if name in before and type(before[name]) is not type(module)]


def check_outputs_vary(original: nn.Module, fixed: nn.Module, sample: Any) -> float:
    """Raise :class:`ConstantAfterFixError` when the fixed model is constant over ``sample``.

    Constant means: the largest output standard deviation across the sample's rows is below
    :data:`CONSTANT_RATIO` times the original model's (both in eval mode). A sample on which
    the original model is itself constant proves nothing and passes.

    Returns
    -------
    float
        The fixed model's output standard deviation across rows.

    Examples
    --------
    >>> torch.manual_seed(0) and None
    >>> net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 1))
    >>> broken = nn.Sequential(net[0], nn.GroupNorm(8, 8), net[2])
    >>> try:
    ...     check_outputs_vary(net, broken, torch.randn(64, 4))
    ... except ConstantAfterFixError as err:
    ...     print(err.problems[0].where)
    model after privacy.fix_model
    """
    after, n = _row_std(fixed, sample)
    before, _ = _row_std(original, sample)
    if not (before > 0) or after > CONSTANT_RATIO * before:
        return after
    raise ConstantAfterFixError(
        "model after privacy.fix_model",
        f"outputs that vary across the {n} rows of a sample batch, as the original model's do",
        f"an output std of {after:.2g} across rows (before the fix: {before:.2g}) after "
        f"opacus replaced {'; '.join(replaced_layers(original, fixed)) or 'layers'}",
        "replace those layers yourself with ones valid for their inputs (nn.LayerNorm for "
        "(batch, features) inputs) and train again, or set privacy.fix_model: false to see "
        "every layer opacus rejects")
