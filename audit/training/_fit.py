"""The one training loop used by every sample model and by users."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset
from tqdm.auto import tqdm

from audit.dp import classification_loss, per_example_loss
from audit.errors import ModelInputMismatchError, RaiAuditError
from audit.result import EpochRecord
from audit.training._callbacks import Callback, TrainerControl, make_state

if TYPE_CHECKING:  # pragma: no cover
    from audit.dp import PrivacyConfig
    from audit.result import CanaryAudit, PrivacySpend

OptimizerName = Literal["adam", "adamw", "sgd"]


@dataclass(frozen=True)
class TrainingRun:
    """What :func:`fit` returns.

    Attributes
    ----------
    model : torch.nn.Module
        The trained model (unwrapped from any privacy wrapper), in eval mode.
    history : tuple of EpochRecord
        One record per completed epoch: ``train/loss``, ``val/loss``, ``val/accuracy``,
        ``epoch/seconds`` and whatever callbacks recorded.
    seconds : float
        Wall-clock training time.
    epochs_completed : int
    stopped_early : bool
    stop_reason : str
    privacy : PrivacySpend or None
        The privacy spent when trained with DP-SGD.
    canary_audit : CanaryAudit or None
        The one-run canary audit of this run, when ``canaries`` were given to :func:`fit`.
    """

    model: torch.nn.Module
    history: tuple[EpochRecord, ...]
    seconds: float
    epochs_completed: int
    stopped_early: bool = False
    stop_reason: str = ""
    privacy: PrivacySpend | None = None
    canary_audit: CanaryAudit | None = None


def seed_everything(seed: int) -> torch.Generator:
    """Seed python, numpy and torch; return a torch generator for data shuffling."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` picks CUDA when present, else the CPU; a device this machine lacks is a
    :class:`~audit.errors.DeviceError`."""
    from audit._devices import check_device

    return check_device(device, where="device")


def forward_logits(model: torch.nn.Module, inputs: Any) -> torch.Tensor:
    """Call ``model`` on a tensor, a dict of tensors (Hugging Face style, as keywords) or a
    tuple/list of tensors (a multi-input ``forward(numeric, categorical)``, as positional
    arguments); return the logits."""
    if isinstance(inputs, dict):
        output = model(**inputs)
    elif isinstance(inputs, (tuple, list)):
        output = model(*inputs)
    else:
        output = model(inputs)
    return getattr(output, "logits", output)


def to_device(value: Any, device: torch.device) -> Any:
    """A batch's inputs (a tensor, a dict of tensors for text models, or a tuple/list of
    tensors for multi-input models) on ``device``."""
    if isinstance(value, dict):
        return {k: v.to(device) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(v.to(device) for v in value)
    return value.to(device)


def _add_batch_dim(sample: Any) -> Any:
    if isinstance(sample, dict):
        return {k: v.unsqueeze(0) for k, v in sample.items()}
    if isinstance(sample, (tuple, list)):
        return type(sample)(v.unsqueeze(0) for v in sample)
    return sample.unsqueeze(0)


def _sample_inputs(train: Dataset, collate_fn: Callable[[list[Any]], Any] | None,
                   rows: int = 64) -> Any:
    """The inputs of the first ``rows`` training examples as one batch (no randomness used)."""
    from torch.utils.data import default_collate

    batch = (collate_fn or default_collate)([train[i] for i in range(min(rows, len(train)))])
    return unpack_batch(batch)[0]


def output_width(logits: torch.Tensor) -> int:
    """Number of outputs per row: 1 for a single-logit model, else the number of classes."""
    return int(logits.shape[-1]) if logits.ndim == 2 else 0


def unpack_batch(batch: Sequence[Any]) -> tuple[Any, torch.Tensor, torch.Tensor | None]:
    """``(inputs, labels, sample weights or None)`` of a ``(X, y)`` or ``(X, y, w)`` batch."""
    if len(batch) == 3:
        return batch[0], batch[1], batch[2]
    return batch[0], batch[1], None


def check_model_input(model: torch.nn.Module, sample: Any, n_classes: int = 2) -> None:
    """Run one example through ``model`` and check its output: ``(1, n_classes)`` logits, or
    ``(1, 1)`` (one logit, trained with binary cross-entropy) when ``n_classes`` is 2.

    Raises
    ------
    ModelInputMismatchError
        When the model rejects the data's shape or returns another shape.
    """
    width = getattr(sample, "shape", ("dict",))[-1]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            logits = forward_logits(model, _add_batch_dim(sample))
    except RuntimeError as exc:
        first_linear = next((m for m in model.modules() if isinstance(m, torch.nn.Linear)), None)
        expects = f" (its first Linear layer takes {first_linear.in_features})" if first_linear else ""
        raise ModelInputMismatchError(
            "model input", f"a model that accepts rows of width {width}",
            f"a model that fails on them{expects}: {str(exc).splitlines()[0]}",
            f"build the model with input width {width} (dataset.n_features), or encode the data "
            "with the preprocessing the model was trained with",
        ) from None
    finally:
        model.train(was_training)
    widths = (1, 2) if n_classes == 2 else (n_classes,)
    if output_width(logits) not in widths:
        shapes = " or ".join(f"(batch, {w})" for w in widths)
        raise ModelInputMismatchError(
            "model output", f"logits of shape {shapes}", f"shape {tuple(logits.shape)}",
            f"end the model with a layer of {n_classes} outputs (one logit per class)"
            + (" or of 1 output (the logit of class 1)" if n_classes == 2 else ""),
        )


@torch.no_grad()
def evaluate_loss_accuracy(model: torch.nn.Module, loader: DataLoader,
                           device: torch.device) -> tuple[float, float]:
    """Mean loss and accuracy of ``model`` over ``loader``: cross-entropy and argmax for two
    or more logits; binary cross-entropy and ``sigmoid(logit) >= 0.5`` for one logit."""
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    for batch in loader:
        inputs, labels, _ = unpack_batch(batch)
        inputs, labels = to_device(inputs, device), labels.to(device)
        logits = forward_logits(model, inputs)
        total_loss += float(per_example_loss(logits, labels).sum())
        predicted = (logits[:, 0] >= 0).long() if output_width(logits) == 1 else logits.argmax(1)
        correct += int((predicted == labels.long()).sum())
        count += len(labels)
    return total_loss / max(count, 1), correct / max(count, 1)


def make_optimizer(name: str, params, learning_rate: float, weight_decay: float):
    """The torch optimizer named ``"adam"``, ``"adamw"`` or ``"sgd"`` (momentum 0.9)."""
    factories = {
        "adam": lambda: torch.optim.Adam(params, lr=learning_rate, weight_decay=weight_decay),
        "adamw": lambda: torch.optim.AdamW(params, lr=learning_rate, weight_decay=weight_decay),
        "sgd": lambda: torch.optim.SGD(params, lr=learning_rate, momentum=0.9,
                                       weight_decay=weight_decay),
    }
    if name not in factories:
        raise RaiAuditError("optimizer", f"one of {sorted(factories)}", repr(name),
                            "choose a supported optimizer name")
    return factories[name]()


def _check_positive(name: str, value: float, kind: type = int) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0 or (
            value == float("inf")) or (kind is int and int(value) != value):
        raise RaiAuditError(name, f"a positive {kind.__name__}", repr(value),
                            f"pass {name} > 0")


def _check_labels(train: Dataset, n_classes: int = 2) -> None:
    """Labels of a ``TensorDataset`` are class indices the two logits can take (others would
    fail deep in the loss with ``IndexError: Target 2 is out of bounds``)."""
    tensors = getattr(train, "tensors", None)
    if not tensors or len(tensors) < 2 or tensors[1].dtype.is_floating_point:
        return
    labels = tensors[1]
    low, high = int(labels.min()), int(labels.max())
    if low < 0 or high >= n_classes:
        from audit.errors import TargetNotBinaryError

        raise TargetNotBinaryError(
            "train labels", f"class indices 0 to {n_classes - 1} (a binary target)",
            f"labels from {low} to {high}", "binarise the target before training (rai-audit "
            "audits binary classifiers), e.g. y = (y == favourable_class)")


def fit(
    model: torch.nn.Module,
    train: Dataset,
    *,
    epochs: int = 10,
    batch_size: int = 256,
    optimizer: OptimizerName = "adam",
    learning_rate: float = 1e-3,
    weight_decay: float = 0.0,
    seed: int = 0,
    device: str | torch.device = "auto",
    privacy: PrivacyConfig | None = None,
    callbacks: Sequence[Callback] = (),
    validation: Dataset | None = None,
    progress: bool = True,
    collate_fn: Callable[[list[Any]], Any] | None = None,
    loss_fn: Callable[[torch.Tensor, torch.Tensor, Any], torch.Tensor] | None = None,
    canaries: Any = None,
) -> TrainingRun:
    """Train a classifier, optionally with DP-SGD, calling ``callbacks``.

    The loss is chosen from the model's output width: binary cross-entropy of the logit for a
    one-logit model (as ``BCEWithLogitsLoss``), cross-entropy for two or more logits, with and
    without privacy (:func:`audit.dp.classification_loss`).

    Parameters
    ----------
    model : torch.nn.Module
        Maps a batch of inputs (a tensor, a dict of tensors for Hugging Face models, or a tuple
        of tensors passed as positional arguments, e.g. ``forward(numeric, categorical)``) to
        ``(batch, n_classes)`` logits or ``(batch, 1)`` (the logit of class 1). Under DP-SGD,
        BatchNorm is refused before training (use ``nn.LayerNorm``, see
        :func:`audit.dp.prepare_model`).
    train : torch.utils.data.Dataset
        Yields ``(inputs, label)`` or ``(inputs, label, sample_weight)``; ``inputs`` may be a
        tuple of tensors for a multi-input model.
    epochs, batch_size : int
    optimizer : {"adam", "adamw", "sgd"}
    learning_rate, weight_decay : float
    seed : int
        Seeds weight-independent randomness (shuffling, dropout, DP noise). Seed before
        building the model too for fully reproducible weights (see :func:`seed_everything`).
    device : str or torch.device
        ``"auto"`` uses CUDA when present.
    privacy : PrivacyConfig, optional
        Train with DP-SGD through opacus (see :mod:`audit.dp`).
    callbacks : sequence of Callback
    validation : Dataset, optional
        Evaluated after each epoch (``val/loss``, ``val/accuracy``).
    progress : bool
        Show progress bars on epochs and steps; False is silent.
    collate_fn : callable, optional
        Batches a list of examples (the loaders' ``collate_fn``; e.g. padding each batch of
        token ids to its longest text, see :mod:`audit.text`). Default: torch's.
    loss_fn : callable, optional
        ``loss_fn(logits, labels, extra) -> scalar`` replacing the default loss;
        ``extra`` is the third element of each batch (``None`` when batches are pairs), e.g.
        a teacher's logits for distillation. Not combinable with ``privacy`` (opacus needs its
        own mean-reduced loss).
    canaries : GradientCanaries or ExampleCanaries, optional
        Audit this run in one go (Steinke, Nasr and Jagielski 2023): white-box gradient
        canaries inside the DP engine (:class:`audit.dp.GradientCanaries`, needs ``privacy``)
        or black-box canary examples mixed into ``train`` (:class:`audit.privacy.ExampleCanaries`);
        the bound is ``TrainingRun.canary_audit``.

    Returns
    -------
    TrainingRun

    Examples
    --------
    >>> import torch
    >>> from torch.utils.data import TensorDataset
    >>> data = TensorDataset(torch.randn(64, 3), torch.randint(0, 2, (64,)))
    >>> run = fit(torch.nn.Linear(3, 2), data, epochs=2, batch_size=16, progress=False)
    >>> run.epochs_completed
    2
    """
    _check_positive("epochs", epochs)
    _check_positive("batch_size", batch_size)
    _check_positive("learning_rate", learning_rate, float)
    if len(train) == 0:
        raise RaiAuditError("train", "a dataset with at least one example", "0 examples",
                            "check the data loading and split")
    if loss_fn is not None and privacy is not None:
        raise RaiAuditError("loss_fn", "the default loss when training with DP-SGD",
                            "a custom loss_fn together with privacy",
                            "drop loss_fn or train without privacy")
    white_box = canaries is not None and canaries.mode == "white_box"
    if white_box and privacy is None:
        raise RaiAuditError("canaries", "white-box gradient canaries on a DP-SGD run (they are "
                            "added inside the DP engine)", "no privacy settings",
                            "pass privacy=PrivacyConfig(...), or audit with ExampleCanaries")
    if canaries is not None and not white_box:
        train = canaries.training_set(train)
    generator = seed_everything(seed)
    device = resolve_device(device)
    check_model_input(model, train[0][0])
    _check_labels(train)
    sample = _sample_inputs(train, collate_fn) if privacy is not None else None
    model.to(device)
    loader = DataLoader(train, batch_size=batch_size, shuffle=True, generator=generator,
                        collate_fn=collate_fn)
    val_loader = (DataLoader(validation, batch_size=max(batch_size, 1024), collate_fn=collate_fn)
                  if validation is not None else None)
    engine = None
    loss_fn = loss_fn or classification_loss
    if privacy is not None:
        from audit.dp import make_private_training, prepare_model

        # opacus refuses a model in eval mode, which is how from_pretrained returns one
        # BatchNorm is refused here, before any step; after opacus's fix the outputs must vary
        model = prepare_model(model.train(), privacy, sample=to_device(sample, next(
            model.parameters()).device)).to(device)
    opt = make_optimizer(optimizer, model.parameters(), learning_rate, weight_decay)
    if privacy is not None:
        engine = make_private_training(model, opt, loader, privacy=privacy, epochs=epochs,
                                       seed=seed, canaries=canaries if white_box else None)
        model, opt, loader, loss_fn = engine.model, engine.optimizer, engine.loader, engine.loss_fn
    try:
        run = _train_loop(model, opt, loader, val_loader, loss_fn, engine, callbacks,
                          epochs=epochs, device=device, progress=progress)
        if canaries is None:
            return run
        audit = (canaries.audit(run.privacy) if white_box else
                 canaries.audit(run.model, run.privacy, collate_fn=collate_fn))
        return replace(run, canary_audit=audit)
    finally:
        if engine is not None:
            engine.close()


def _empty_batch_step(model, opt, loss_fn, inputs, labels, extra, grad_sample_mode: str) -> None:
    """One DP-SGD step on an empty Poisson batch: the update is the calibrated noise alone.

    Book-keeping steps without a backward pass. Opacus's modes need their hooks to have run,
    so the empty batch (opacus's loader gives it the right shapes) goes through the model;
    its loss is NaN but has no elements to carry it into a gradient.
    """
    opt.zero_grad(set_to_none=True)
    if grad_sample_mode != "bookkeeping":
        try:
            loss_fn(forward_logits(model, inputs), labels, extra).backward()
        except RuntimeError as exc:
            raise RaiAuditError(
                "training data loader", "batches a DP-SGD step can run on, including the empty "
                "batches Poisson sampling draws", f"an empty batch the model cannot run: {exc}",
                "raise training.batch_size (empty batches then practically never occur) or use "
                "privacy.grad_sample_mode 'bookkeeping'") from exc
    opt.step()


def _train_loop(model, opt, loader, val_loader, loss_fn, engine, callbacks, *, epochs, device,
                progress) -> TrainingRun:
    control = TrainerControl()
    steps_per_epoch = len(loader)

    def state(epoch: int, step: int, metrics: dict[str, float]):
        return make_state(epoch=epoch, epochs=epochs, step=step, steps_per_epoch=steps_per_epoch,
                          metrics=metrics, model=_unwrap(model), device=device)
    history: list[EpochRecord] = []
    step, started = 0, time.perf_counter()
    for cb in callbacks:
        cb.on_fit_start(state(0, 0, {}), control)
    epoch_bar = tqdm(range(1, epochs + 1), desc="epochs", disable=not progress, leave=False)
    for epoch in epoch_bar:
        if control.should_stop:
            break
        epoch_started = time.perf_counter()
        control._begin_epoch()
        for cb in callbacks:
            cb.on_epoch_start(state(epoch, step, {}), control)
        model.train()
        loss_sum, seen = 0.0, 0
        for batch in tqdm(loader, desc=f"epoch {epoch}", disable=not progress, leave=False):
            inputs, labels, weights = unpack_batch(batch)
            if len(labels) == 0:  # Poisson sampling can draw an empty batch
                if engine is not None:
                    # a noise-only step, counted by the accountant like any other: skipping it
                    # would reveal that the batch was empty without accounting for it
                    _empty_batch_step(model, opt, loss_fn, to_device(inputs, device), labels.to(device),
                                      weights.to(device) if weights is not None else None,
                                      engine.grad_sample_mode)
                    step += 1
                continue
            inputs, labels = to_device(inputs, device), labels.to(device)
            weights = weights.to(device) if weights is not None else None
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(forward_logits(model, inputs), labels, weights)
            loss.backward()
            opt.step()
            step += 1
            loss_sum += float(loss.detach()) * len(labels)
            seen += len(labels)
            if callbacks:
                running = {"train/loss": loss_sum / seen}
                for cb in callbacks:
                    cb.on_step_end(state(epoch, step, running), control)
            if control.should_stop:
                break
        metrics = {"train/loss": loss_sum / max(seen, 1)}
        if val_loader is not None:
            metrics["val/loss"], metrics["val/accuracy"] = evaluate_loss_accuracy(
                _unwrap(model), val_loader, device)
        if engine is not None:
            metrics.update(engine.epsilon_metrics())
        metrics["epoch/seconds"] = time.perf_counter() - epoch_started
        for cb in callbacks:
            cb.on_epoch_end(state(epoch, step, {**metrics, **control._metrics}), control)
            model.train()
        history.append(EpochRecord(epoch=epoch, metrics={**metrics, **control._metrics},
                                   details=dict(control._details)))
        epoch_bar.set_postfix(loss=f"{metrics['train/loss']:.4f}")
    trained = _unwrap(model).eval()
    for cb in callbacks:
        cb.on_fit_end(state(len(history), step, history[-1].metrics if history else {}), control)
    return TrainingRun(
        model=trained, history=tuple(history), seconds=time.perf_counter() - started,
        epochs_completed=len(history), stopped_early=control.should_stop,
        stop_reason=control.stop_reason,
        privacy=engine.spend() if engine is not None else None,
    )


def _unwrap(model: torch.nn.Module) -> torch.nn.Module:
    """The user's module inside opacus's ``GradSampleModule`` (or the model itself)."""
    return getattr(model, "_module", model)
