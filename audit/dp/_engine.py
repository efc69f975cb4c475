"""Wiring a model, optimizer and loader for DP-SGD with opacus (used by ``audit.training.fit``
and by users' own loops)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from opacus import PrivacyEngine
from opacus.validators import ModuleValidator
from torch.utils.data import DataLoader

from audit.dp._accounting import (
    check_delta,
    default_delta,
    epsilons,
    noise_for_epsilon,
)
from audit.dp._bk_sequence import SequenceBookKeeper, sequence_bookkeeping_supported
from audit.dp._bookkeeping import BookKeepingDPOptimizer, bookkeeping_supported
from audit.dp._config import PrivacyConfig
from audit.dp._errors import UnsupportedModelError
from audit.dp._poisson import poisson_loader
from audit.dp._transformers import PerExampleEmbeddingInputs, has_trainable_embeddings
from audit.result import PrivacySpend

LossFn = Callable[[torch.Tensor, torch.Tensor, "torch.Tensor | None"], torch.Tensor]


def prepare_model(model: torch.nn.Module, privacy: PrivacyConfig) -> torch.nn.Module:
    """Return ``model`` if opacus accepts it, a fixed copy if ``privacy.fix_model``, else raise.

    Raises
    ------
    UnsupportedModelError
        Listing every layer opacus rejects and why, when ``fix_model`` is False or fixing fails.
    """
    problems = ModuleValidator.validate(model, strict=False)
    if not problems:
        return model
    if privacy.fix_model:
        fixed = ModuleValidator.fix(model)
        if not ModuleValidator.validate(fixed, strict=False):
            return fixed
        problems = ModuleValidator.validate(fixed, strict=False)
    reasons = "; ".join(str(p) for p in problems)
    raise UnsupportedModelError(
        "model", "layers opacus can compute per-example gradients for",
        f"{len(problems)} unsupported layer(s): {reasons}",
        "replace BatchNorm with GroupNorm/LayerNorm (privacy.fix_model: true does this), "
        "use opacus.layers.DPLSTM/DPMultiheadAttention, or freeze the offending layers")


def is_distributed(model: torch.nn.Module) -> bool:
    """True for a model wrapped for torch.distributed (opacus's ``DPDDP`` or torch's ``DDP``)."""
    from opacus.distributed import DifferentiallyPrivateDistributedDataParallel as DPDDP
    from torch.nn.parallel import DistributedDataParallel as DDP

    return isinstance(model, (DPDDP, DDP))


def has_recurrent_layers(model: torch.nn.Module) -> bool:
    """True when ``model`` holds an RNN/LSTM/GRU, torch's or opacus's DP version."""
    from opacus.layers.dp_rnn import DPRNNBase

    return any(isinstance(m, (DPRNNBase, torch.nn.RNNBase)) for m in model.modules())


def choose_grad_sample_mode(model: torch.nn.Module, privacy: PrivacyConfig) -> str:
    """``auto`` with flat clipping: book-keeping (one backward pass) for models made of
    Linear layers, and for transformer-style models (trainable embeddings) made of Linear,
    Embedding and LayerNorm layers (per-layer norm strategy, :mod:`audit.dp._bk_sequence`);
    opacus's ghost clipping for other models with trainable embeddings (its sparse embedding
    norms avoid hooks mode's dense ``batch x vocab x hidden`` per-example gradients); else
    opacus's hooks. Models wrapped for torch.distributed, and recurrent models (opacus's
    ``DPLSTM`` calls its gate Linear layers once per time step, which book-keeping cannot
    record), use opacus's hooks."""
    if privacy.grad_sample_mode != "auto":
        return privacy.grad_sample_mode
    if is_distributed(model) or has_recurrent_layers(model):
        return "hooks"
    if privacy.clipping == "flat" and bookkeeping_supported(model):
        return "bookkeeping"
    if privacy.clipping == "flat" and has_trainable_embeddings(model):
        return "bookkeeping" if sequence_bookkeeping_supported(model) else "ghost"
    return "hooks"


@dataclass
class PrivateTraining:
    """The private versions of the training objects, and what has been spent.

    Use ``model``, ``optimizer`` and ``loader`` in place of the originals and ``loss_fn`` to
    compute the loss; call :meth:`close` when done (removes every hook). The accountant is
    opacus's, attached to the optimizer's step hook by opacus's own mechanism.
    """

    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    loader: DataLoader
    loss_fn: LossFn
    engine: PrivacyEngine
    config: PrivacyConfig
    delta: float
    delta_rule: str
    noise_multiplier: float
    sample_rate: float
    epochs: int
    grad_sample_mode: str
    _closers: list[Callable[[], None]] = field(default_factory=list, repr=False)

    @property
    def history(self) -> list[tuple[float, float, int]]:
        """The accountant's history: ``(noise_multiplier, sample_rate, steps)`` entries."""
        return list(self.engine.accountant.history)

    @property
    def steps(self) -> int:
        return sum(int(n) for _, _, n in self.history)

    def epsilon(self) -> float:
        """Epsilon spent so far at ``delta`` under the configured accountant."""
        return epsilons(self.history, self.delta)[self.config.accountant]

    def epsilon_metrics(self) -> dict[str, float]:
        """Per-epoch history entries: the chosen accountant's epsilon and every accountant's."""
        values = epsilons(self.history, self.delta)
        metrics = {"privacy/epsilon": values[self.config.accountant]}
        metrics.update({f"privacy/epsilon[{name}]": v for name, v in values.items()})
        return metrics

    def spend(self) -> PrivacySpend:
        values = epsilons(self.history, self.delta)
        return PrivacySpend(
            accountant=self.config.accountant, epsilon=values[self.config.accountant],
            delta=self.delta, delta_rule=self.delta_rule, epsilons=values,
            noise_multiplier=self.noise_multiplier, max_grad_norm=self.config.max_grad_norm,
            sample_rate=self.sample_rate, steps=self.steps, epochs=self.epochs,
            poisson_sampling=self.config.poisson_sampling, clipping=self.config.clipping,
            grad_sample_mode=self.grad_sample_mode, target_epsilon=self.config.target_epsilon)

    def close(self) -> None:
        """Remove every hook opacus or the book-keeper attached to the user's model."""
        while self._closers:
            self._closers.pop()()


def _weighted_ce(logits: torch.Tensor, labels: torch.Tensor,
                 weights: torch.Tensor | None) -> torch.Tensor:
    from audit.dp._loss import weighted_cross_entropy

    return weighted_cross_entropy(logits, labels, weights)


def make_private_training(model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                          loader: DataLoader, *, privacy: PrivacyConfig, epochs: int,
                          seed: int | None = 0) -> PrivateTraining:
    """Make a model, its optimizer and its loader private with opacus.

    Parameters
    ----------
    model : torch.nn.Module
        Already passed through :func:`prepare_model` (the optimizer must hold its parameters).
    optimizer : torch.optim.Optimizer
    loader : DataLoader
        The non-private loader; its batch size sets the sampling rate q = 1 / len(loader).
        With Poisson sampling the private loader runs exactly ``len(loader)`` steps per epoch,
        the steps the noise is planned for.
    privacy : PrivacyConfig
    epochs : int
        Planned epochs (used to derive the noise from a target epsilon).
    seed : int, optional
        Seeds the noise generator (ignored in secure mode).

    Returns
    -------
    PrivateTraining

    Examples
    --------
    >>> import torch
    >>> from torch.utils.data import DataLoader, TensorDataset
    >>> data = TensorDataset(torch.randn(512, 4), torch.randint(0, 2, (512,)))
    >>> model = torch.nn.Linear(4, 2)
    >>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
    >>> private = make_private_training(model, opt, DataLoader(data, batch_size=64),
    ...                                 privacy=PrivacyConfig(noise_multiplier=1.0), epochs=1)
    >>> private.grad_sample_mode, private.delta
    ('bookkeeping', 0.0001)
    """
    n = len(loader.dataset)
    if privacy.delta is None:
        delta, rule = default_delta(n), f"default: largest power of ten below 1/(10 N), N={n}"
    else:
        delta, rule = privacy.delta, "set in the config"
    check_delta(delta, n)
    if privacy.secure_mode:
        _require_csprng()
    sample_rate = 1.0 / len(loader)
    noise = (privacy.noise_multiplier if privacy.noise_multiplier is not None else
             noise_for_epsilon(privacy.target_epsilon, delta, sample_rate, epochs,
                               privacy.accountant, steps=epochs * len(loader)))
    mode = choose_grad_sample_mode(model, privacy)
    engine = PrivacyEngine(accountant=privacy.accountant, secure_mode=privacy.secure_mode)
    generator = sampler_generator = None
    if not privacy.secure_mode and seed is not None:
        # noise is drawn on the model's device; opacus's Poisson sampler draws on the CPU
        generator = torch.Generator(device=next(model.parameters()).device).manual_seed(seed)
        sampler_generator = torch.Generator().manual_seed(seed)
    # opacus's noise std is noise * C, undefined for C = inf (allowed for the no-clipping
    # equivalence check): a norm of 1e30 clips nothing and keeps the std finite.
    max_grad_norm = min(privacy.max_grad_norm, 1e30)
    if privacy.clipping == "per_layer":
        n_params = sum(1 for p in model.parameters() if p.requires_grad)
        max_grad_norm = [max_grad_norm / math.sqrt(n_params)] * n_params
    closers: list[Callable[[], None]] = []
    loss_fn: LossFn = _weighted_ce

    if is_distributed(model) and (mode == "bookkeeping" or not privacy.poisson_sampling):
        raise UnsupportedModelError(
            "privacy", "opacus's grad_sample_mode 'hooks' or 'ghost' with Poisson sampling for a "
            "model wrapped in DPDDP", f"grad_sample_mode {mode!r}, poisson_sampling "
            f"{privacy.poisson_sampling}", "use grad_sample_mode 'auto' and poisson_sampling: true "
            "(opacus's distributed sampler splits each Poisson batch across the processes)")
    if mode == "bookkeeping":
        if not sequence_bookkeeping_supported(model) or privacy.clipping != "flat":
            raise UnsupportedModelError(
                "privacy.grad_sample_mode", "a model whose trainable layers are all nn.Linear, "
                "nn.Embedding or nn.LayerNorm (no tied weights), with flat clipping, for "
                "'bookkeeping'", f"{type(model).__name__} / {privacy.clipping} clipping",
                "use grad_sample_mode 'auto', 'ghost' or 'hooks'")
        # the per-layer book-keeper (which also skips autograd's discarded weight gradients)
        # covers all-Linear models too; BookKeeper stays the 2-D reference implementation
        keeper = SequenceBookKeeper(model)
        if has_trainable_embeddings(model):
            closers.append(PerExampleEmbeddingInputs(model).remove)
        closers.append(lambda: _strip_parameter_state(model))
        closers.append(keeper.remove)
        if privacy.poisson_sampling:
            loader = poisson_loader(loader, generator=sampler_generator)
        dp_optimizer = BookKeepingDPOptimizer(
            optimizer, bookkeeper=keeper, noise_multiplier=noise, max_grad_norm=max_grad_norm,
            expected_batch_size=int(n * sample_rate), loss_reduction="mean",
            generator=generator, secure_mode=privacy.secure_mode)
        dp_optimizer.attach_step_hook(engine.accountant.get_optimizer_hook_fn(sample_rate))
        private_model = model
    else:
        if has_trainable_embeddings(model):
            # shared (1, L) position/token-type lookups -> one row per example (transformers)
            closers.append(PerExampleEmbeddingInputs(model).remove)
        if privacy.poisson_sampling:
            # our Poisson loader (len(loader) steps per epoch), not opacus's (int(1 / q)):
            # opacus then reads the same q = 1 / len(loader) for the accountant
            loader = poisson_loader(
                loader, generator=engine.secure_rng if privacy.secure_mode else sampler_generator,
                distributed=is_distributed(model))
        try:
            out = engine.make_private(
                module=model, optimizer=optimizer, data_loader=loader, noise_multiplier=noise,
                max_grad_norm=max_grad_norm, poisson_sampling=False,
                clipping=privacy.clipping, noise_generator=generator, grad_sample_mode=mode,
                criterion=torch.nn.CrossEntropyLoss())
        except Exception:
            while closers:
                closers.pop()()
            raise
        if privacy.poisson_sampling:
            out[0].forbid_grad_accumulation()  # what opacus does for its own Poisson loader
        if mode == "ghost":
            private_model, dp_optimizer, criterion, loader = out

            def loss_fn(logits, labels, weights, _criterion=criterion):
                if weights is not None:
                    raise UnsupportedModelError(
                        "privacy.grad_sample_mode", "no sample weights in ghost mode",
                        "weighted examples", "use grad_sample_mode 'hooks' or 'bookkeeping'")
                return _criterion(logits, labels)
        else:
            private_model, dp_optimizer, loader = out
        closers.append(_remover(private_model))
    return PrivateTraining(
        model=private_model, optimizer=dp_optimizer, loader=loader, loss_fn=loss_fn,
        engine=engine, config=privacy, delta=delta, delta_rule=rule, noise_multiplier=noise,
        sample_rate=sample_rate, epochs=epochs, grad_sample_mode=mode, _closers=closers)


def _require_csprng() -> None:
    import importlib.util

    if importlib.util.find_spec("torchcsprng") is None:
        raise UnsupportedModelError(
            "privacy.secure_mode", "the torchcsprng package, which opacus's secure mode uses",
            "it is not installed", "pip install torchcsprng (it must match your torch build), "
            "or set secure_mode: false (noise from torch's generator, fine for audits)")


def _remover(wrapped: Any) -> Callable[[], None]:
    def remove() -> None:
        for name in ("remove_hooks", "cleanup"):
            method = getattr(wrapped, name, None)
            if callable(method):
                try:
                    method()
                except ValueError:  # already removed
                    pass
                break
        _strip_parameter_state(getattr(wrapped, "_module", wrapped))
    return remove


def _strip_parameter_state(model: torch.nn.Module) -> None:
    """Delete the per-example attributes opacus's optimizer leaves on parameters."""
    for p in model.parameters():
        for attr in ("grad_sample", "summed_grad", "_forward_counter"):
            if hasattr(p, attr):
                delattr(p, attr)
