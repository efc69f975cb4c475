"""The torch training core: one ``fit`` for every model, with callbacks and optional DP-SGD."""

from audit.training._callbacks import Callback, TrainerControl, TrainerState
from audit.training._fit import (
    TrainingRun,
    check_model_input,
    evaluate_loss_accuracy,
    fit,
    forward_logits,
    make_optimizer,
    resolve_device,
    seed_everything,
    to_device,
    unpack_batch,
)

__all__ = [
    "Callback",
    "TrainerControl",
    "TrainerState",
    "TrainingRun",
    "check_model_input",
    "evaluate_loss_accuracy",
    "fit",
    "forward_logits",
    "make_optimizer",
    "resolve_device",
    "seed_everything",
    "to_device",
    "unpack_batch",
]
