"""DP-SGD settings (``training.privacy`` in audit.yaml): the noise, clipping, accountant and
per-example gradient mode of :func:`audit.dp.make_private_training`. Kept free of heavy imports:
``audit.config`` imports this module."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from audit.core import StrictConfig
from audit.errors import typed_from_validation

AccountantName = Literal["rdp", "prv", "gdp"]
GradSampleMode = Literal["auto", "bookkeeping", "hooks", "functorch", "ew", "ghost"]


class PrivacyConfig(StrictConfig):
    """How to train with DP-SGD (opacus).

    Give either ``noise_multiplier`` or ``target_epsilon`` (the noise is then derived from it,
    the delta, the epochs and the sampling rate).

    Parameters
    ----------
    noise_multiplier : float, optional
        Standard deviation of the Gaussian noise relative to ``max_grad_norm``.
    target_epsilon : float, optional
        Epsilon to reach at the end of training (at ``delta``).
    delta : float, optional
        Target delta. Default: the largest power of ten below 1/(10 N), N = training rows
        (1e-6 for the 29,304 census training rows), so that delta < 1/N as DP requires.
    max_grad_norm : float
        Per-example clipping norm C (> 0; ``inf`` disables clipping, for tests only).
    accountant : {"prv", "rdp", "gdp"}
        Accountant whose epsilon is *the* reported one; the others are shown for comparison.
    poisson_sampling : bool
        Poisson-sampled batches, as the accountants assume. False only for debugging.
    clipping : {"flat", "per_layer"}
        One norm over all parameters, or one per parameter tensor (opacus's per-layer mode,
        with C split equally so the total sensitivity is still C).
    grad_sample_mode : {"auto", "bookkeeping", "hooks", "functorch", "ew", "ghost"}
        How per-example gradients are obtained. ``auto`` picks ``bookkeeping`` (our single-pass
        clipping, proven equal to opacus's) for models whose trainable layers are all
        ``nn.Linear``, ``nn.Embedding`` or ``nn.LayerNorm``, opacus's ``ghost`` for other models
        with trainable embeddings, and opacus's ``hooks`` otherwise (see
        :func:`audit.dp.choose_grad_sample_mode`).
    fix_model : bool
        Replace layers opacus rejects (LSTM -> DPLSTM, BatchNorm on inputs with spatial dims ->
        GroupNorm, ...) with opacus's ``ModuleValidator.fix``, then check that the fixed
        model's outputs still vary across a sample batch; if False such models are refused
        with every reason listed. BatchNorm on ``(batch, features)`` inputs is always refused,
        with ``nn.LayerNorm`` proposed (GroupNorm would output a constant there).
    secure_mode : bool
        Cryptographically secure noise (opacus secure_mode; slower, not seedable).
    """

    noise_multiplier: float | None = Field(None, ge=0.0)
    target_epsilon: float | None = Field(None, gt=0.0)
    delta: float | None = None
    max_grad_norm: float = 1.0
    accountant: AccountantName = "prv"
    poisson_sampling: bool = True
    clipping: Literal["flat", "per_layer"] = "flat"
    grad_sample_mode: GradSampleMode = "auto"
    fix_model: bool = True
    secure_mode: bool = False

    def __init__(self, **data) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:  # our own ConfigError, not pydantic's wrapper around it
            raise typed_from_validation(exc) from None

    @model_validator(mode="after")
    def _one_noise_source(self) -> PrivacyConfig:
        from audit.errors import ConfigError

        if (self.noise_multiplier is None) == (self.target_epsilon is None):
            raise ConfigError(
                "privacy", "exactly one of noise_multiplier or target_epsilon",
                "both" if self.noise_multiplier is not None else "neither",
                "set target_epsilon (e.g. 3.0) or noise_multiplier (e.g. 1.0), not both")
        for key in ("noise_multiplier", "target_epsilon"):
            value = getattr(self, key)
            if value is not None and not math.isfinite(value):
                raise ConfigError(f"privacy.{key}", "a finite number", repr(value),
                                  "an infinite epsilon (or noise) is no privacy setting: give a "
                                  "finite value, or train without privacy")
        if not (self.max_grad_norm > 0) or math.isnan(self.max_grad_norm):
            raise ConfigError("privacy.max_grad_norm", "a clipping norm > 0",
                              repr(self.max_grad_norm),
                              "use a positive norm such as 1.0 (tune it: 0.1-10 is typical)")
        if self.delta is not None and not (0.0 < self.delta < 1.0):
            raise ConfigError("privacy.delta", "a delta in (0, 1), below 1/N of the training set",
                              repr(self.delta), "leave delta unset for the default 1/(10 N) or "
                              "give e.g. 1e-6")
        return self
