"""The callback contract: read-only state in, effects only through an explicit control object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import torch

from audit.errors import RaiAuditError


@dataclass(frozen=True)
class TrainerState:
    """What a callback may read. A fresh, frozen snapshot is passed to every hook.

    Attributes
    ----------
    epoch : int
        Current epoch, 1-based (0 before the first epoch).
    epochs : int
        Epochs requested.
    step : int
        Optimizer steps taken so far in all epochs.
    steps_per_epoch : int
    metrics : Mapping[str, float]
        Metrics of the current epoch so far (read-only view).
    model : torch.nn.Module
        The model being trained. Read it (e.g. evaluate it under ``torch.no_grad()``); do not
        change its weights. The trainer puts it back in training mode after each hook.
    device : torch.device
    """

    epoch: int
    epochs: int
    step: int
    steps_per_epoch: int
    metrics: Mapping[str, float]
    model: torch.nn.Module
    device: torch.device


@dataclass
class TrainerControl:
    """The only way a callback changes training: ask to stop, or record metrics.

    Recorded values go into the current epoch's entry of the run history.
    """

    should_stop: bool = False
    stop_reason: str = ""
    _metrics: dict[str, float] = field(default_factory=dict, repr=False)
    _details: dict[str, Any] = field(default_factory=dict, repr=False)

    def _begin_epoch(self) -> None:
        """Forget the previous epoch's recordings (called by the trainer)."""
        self._metrics, self._details = {}, {}

    def stop(self, reason: str) -> None:
        """Stop training after the current step; ``reason`` is kept in the run summary."""
        self.should_stop = True
        self.stop_reason = reason

    def record(self, name: str, value: float) -> None:
        """Record a scalar metric for the current epoch (e.g. ``"val/accuracy"``)."""
        value = float(value)
        if not isinstance(name, str) or not name:
            raise RaiAuditError("TrainerControl.record(name)", "a non-empty metric name",
                                repr(name), "pass a string such as 'val/accuracy'")
        self._metrics[name] = value

    def record_detail(self, name: str, value: Any) -> None:
        """Record structured JSON-ready data for the current epoch (e.g. per-group metrics)."""
        self._details[name] = value


class Callback:
    """Base class of training callbacks: every hook is a no-op.

    Hooks receive ``(state, control)``; the state is read-only and ``control`` is the only
    channel for effects. ``state_dict``/``load_state_dict`` save and restore a callback's own
    state (the Lightning way).

    Examples
    --------
    >>> class StopWhenGood(Callback):
    ...     def on_epoch_end(self, state, control):
    ...         if state.metrics.get("val/accuracy", 0) > 0.99:
    ...             control.stop("good enough")
    """

    def on_fit_start(self, state: TrainerState, control: TrainerControl) -> None:
        """Called once before the first epoch."""

    def on_epoch_start(self, state: TrainerState, control: TrainerControl) -> None:
        """Called at the start of each epoch."""

    def on_step_end(self, state: TrainerState, control: TrainerControl) -> None:
        """Called after each optimizer step."""

    def on_epoch_end(self, state: TrainerState, control: TrainerControl) -> None:
        """Called after each epoch, once the trainer's own epoch metrics are in ``state``."""

    def on_fit_end(self, state: TrainerState, control: TrainerControl) -> None:
        """Called once after training ends (normally or by a stop request)."""

    def state_dict(self) -> dict[str, Any]:
        """The callback's own state, to save with a checkpoint."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""


def make_state(*, epoch: int, epochs: int, step: int, steps_per_epoch: int,
               metrics: Mapping[str, float], model: torch.nn.Module,
               device: torch.device) -> TrainerState:
    return TrainerState(epoch=epoch, epochs=epochs, step=step, steps_per_epoch=steps_per_epoch,
                        metrics=MappingProxyType(dict(metrics)), model=model, device=device)
