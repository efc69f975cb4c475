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
from audit.dp._bookkeeping import BookKeepingDPOptimizer
from audit.dp._canaries import GradientCanaries
from audit.dp._canaries import install as install_canaries
from audit.dp._config import PrivacyConfig
from audit.dp._errors import UnsupportedModelError
from audit.dp._loss import ClassificationLoss, classification_loss
from audit.dp._model_fix import check_batch_norm, check_outputs_vary
from audit.dp._poisson import poisson_loader
from audit.dp._transformers import PerExampleEmbeddingInputs, has_trainable_embeddings
from audit.result import PrivacySpend

LossFn = Callable[[torch.Tensor, torch.Tensor, "torch.Tensor | None"], torch.Tensor]


def prepare_model(model: torch.nn.Module, privacy: PrivacyConfig, *,
                  sample: Any = None) -> torch.nn.Module:
    """Return ``model`` if opacus accepts it, a fixed copy if ``privacy.fix_model``, else raise.

    BatchNorm is refused first, before any training (see :mod:`audit.dp._model_fix`):
    ``nn.LayerNorm`` is proposed for ``(batch, features)`` inputs, and opacus's GroupNorm fix
    is applied only on inputs with spatial dims. After any automatic fix the fixed model's
    outputs must still vary across the rows of ``sample``.

    Parameters
    ----------
    model : torch.nn.Module
        In training mode (opacus refuses a model in eval mode).
    privacy : PrivacyConfig
    sample : tensor, tuple or dict of tensors, optional
        A batch of training inputs (a few dozen rows). It shows which inputs each
        ``BatchNorm1d`` gets and is used to check the fixed model's outputs;
        :func:`audit.training.fit` always passes one. Without it a ``BatchNorm1d`` is taken
        to get ``(batch, features)`` inputs and the output check is skipped.

    Returns
    -------
    torch.nn.Module

    Raises
    ------
    BatchNormUnderDPError
        Listing every BatchNorm layer with the replacement valid for its inputs.
    ConstantAfterFixError
        When the fixed model's outputs no longer vary across rows (naming the replaced layers).
    UnsupportedModelError
        Listing every layer opacus rejects and why, when ``fix_model`` is False or fixing fails.

    Examples
    --------
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8),
    ...                           torch.nn.Linear(8, 1))
    >>> try:
    ...     prepare_model(net, PrivacyConfig(noise_multiplier=1.0), sample=torch.randn(32, 4))
    ... except UnsupportedModelError as err:
    ...     print(type(err).__name__, "->", err.problems[0].fix.split(" (")[0])
    BatchNormUnderDPError -> replace nn.BatchNorm1d(8) at '1' with nn.LayerNorm(8)
    """
    check_batch_norm(model, fix_model=privacy.fix_model, sample=sample)
    problems = ModuleValidator.validate(model, strict=False)
    if not problems:
        return model
    if privacy.fix_model:
        fixed = ModuleValidator.fix(model)
        problems = ModuleValidator.validate(fixed, strict=False)
        if not problems:
            if sample is not None:
                check_outputs_vary(model, fixed, sample)
            return fixed
    reasons = "; ".join(str(p) for p in problems)
    raise UnsupportedModelError(
        "model", "layers opacus can compute per-example gradients for",
        f"{len(problems)} unsupported layer(s): {reasons}",
        "replace BatchNorm with LayerNorm on (batch, features) inputs or GroupNorm on inputs "
        "with spatial dims (privacy.fix_model: true does the latter), use "
        "opacus.layers.DPLSTM/DPMultiheadAttention, or freeze the offending layers")


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
    """The per-example gradient mode ``auto`` stands for, given the model and the clipping.

    With flat clipping: our single-backward book-keeping for every model whose trainable
    layers are all ``nn.Linear``, ``nn.Embedding`` or ``nn.LayerNorm`` (MLPs, MLPs with
    LayerNorm, tabular models with embeddings for categorical codes, transformer encoders;
    per-layer norm strategy, :mod:`audit.dp._bk_sequence`); opacus's ghost clipping for other
    models with trainable embeddings (its sparse embedding norms avoid hooks mode's dense
    ``batch x vocab x hidden`` per-example gradients); else opacus's hooks. Models wrapped for
    torch.distributed, recurrent models (opacus's ``DPLSTM`` calls its gate Linear layers once
    per time step, which book-keeping cannot record) and per-layer clipping use opacus's hooks.
    An explicit mode is returned as given.

    Examples
    --------
    >>> tabular = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.LayerNorm(8),
    ...                               torch.nn.ReLU(), torch.nn.Linear(8, 1))
    >>> choose_grad_sample_mode(tabular, PrivacyConfig(noise_multiplier=1.0))
    'bookkeeping'
    """
    if privacy.grad_sample_mode != "auto":
        return privacy.grad_sample_mode
    if is_distributed(model) or has_recurrent_layers(model):
        return "hooks"
    if privacy.clipping == "flat" and sequence_bookkeeping_supported(model):
        return "bookkeeping"
    if privacy.clipping == "flat" and has_trainable_embeddings(model):
        return "ghost"
    return "hooks"


@dataclass
class PrivateTraining:
    """The private versions of the training objects, and what has been spent.

    Use ``model``, ``optimizer`` and ``loader`` in place of the originals and ``loss_fn`` to
    compute the loss; call :meth:`close` when done (removes every hook). The accountant is
    opacus's, attached to the optimizer's step hook by opacus's own mechanism.

    ``loss_fn(logits, labels, weights)`` is the mean per-example loss chosen from the output
    width (:func:`audit.dp._loss.classification_loss`): binary cross-entropy of the logit for a
    one-logit model (``BCEWithLogitsLoss``), cross-entropy for two or more logits; in ghost
    mode it is opacus's wrapper of the same criterion (no sample weights).
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
    canaries: GradientCanaries | None = None
    _closers: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def canary_audit(self, confidence_level: float = 0.95):
        """The white-box one-run audit of the steps taken so far
        (:class:`~audit.result.CanaryAudit`), when ``canaries`` were given."""
        if self.canaries is None:
            raise UnsupportedModelError(
                "canaries", "GradientCanaries passed to make_private_training", "none",
                "pass canaries=GradientCanaries(m=1000) when making the training private")
        return self.canaries.audit(self.spend(), confidence_level=confidence_level)

    @property
    def history(self) -> list[tuple[float, float, int]]:
        """The accountant's history: ``(noise_multiplier, sample_rate, steps)`` entries."""
        return list(self.engine.accountant.history)

    @property
    def steps(self) -> int:
        return sum(int(n) for _, _, n in self.history)

    def epsilon(self) -> float:
        """Epsilon spent so far, at :attr:`delta`, under the configured accountant.

        Computed from opacus's accountant history (every optimizer step taken so far, empty
        Poisson batches included), so it grows during training; read it at any time.

        Returns
        -------
        float
            The ``(epsilon, delta)``-DP guarantee's epsilon for ``config.accountant``
            (``"prv"``, ``"rdp"`` or ``"gdp"``); 0.0 before the first step.

        Examples
        --------
        >>> import torch
        >>> from torch.utils.data import DataLoader, TensorDataset
        >>> data = TensorDataset(torch.randn(256, 4), torch.randint(0, 2, (256,)))
        >>> model = torch.nn.Linear(4, 1)
        >>> private = make_private_training(
        ...     model, torch.optim.SGD(model.parameters(), lr=0.1),
        ...     DataLoader(data, batch_size=32), privacy=PrivacyConfig(noise_multiplier=1.0),
        ...     epochs=1)
        >>> private.epsilon()
        0.0
        >>> for x, y in private.loader:
        ...     private.optimizer.zero_grad()
        ...     private.loss_fn(private.model(x), y, None).backward()
        ...     private.optimizer.step()
        >>> 0 < private.epsilon() == private.spend().epsilon
        True
        >>> private.close()
        """
        if not self.history:
            return 0.0
        return epsilons(self.history, self.delta)[self.config.accountant]

    def epsilon_metrics(self) -> dict[str, float]:
        """Per-epoch history entries: the chosen accountant's epsilon and every accountant's."""
        values = epsilons(self.history, self.delta)
        metrics = {"privacy/epsilon": values[self.config.accountant]}
        metrics.update({f"privacy/epsilon[{name}]": v for name, v in values.items()})
        return metrics

    def spend(self) -> PrivacySpend:
        """Everything spent so far, as the result records it (``result.privacy_spend``).

        The epsilon of the configured accountant and of every other accountant at the same
        delta, with what they depend on: noise multiplier, clipping norm, sampling rate, steps,
        epochs, Poisson sampling, clipping mode, the per-example gradient mode used, how delta
        was chosen and the target epsilon if one was set. :func:`audit.training.fit` returns
        it as ``TrainingRun.privacy``; with your own loop, call it when training ends.

        Returns
        -------
        PrivacySpend

        Examples
        --------
        >>> import torch
        >>> from torch.utils.data import DataLoader, TensorDataset
        >>> data = TensorDataset(torch.randn(256, 4), torch.randint(0, 2, (256,)))
        >>> model = torch.nn.Linear(4, 2)
        >>> private = make_private_training(
        ...     model, torch.optim.SGD(model.parameters(), lr=0.1),
        ...     DataLoader(data, batch_size=32), privacy=PrivacyConfig(noise_multiplier=1.0),
        ...     epochs=1)
        >>> for x, y in private.loader:
        ...     private.optimizer.zero_grad()
        ...     private.loss_fn(private.model(x), y, None).backward()
        ...     private.optimizer.step()
        >>> spend = private.spend()
        >>> spend.accountant, spend.steps, spend.delta, sorted(spend.epsilons)
        ('prv', 8, 0.0001, ['gdp', 'prv', 'rdp'])
        >>> private.close()
        """
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


def make_private_training(model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                          loader: DataLoader, *, privacy: PrivacyConfig, epochs: int,
                          seed: int | None = 0,
                          canaries: GradientCanaries | None = None) -> PrivateTraining:
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
    canaries : GradientCanaries, optional
        White-box gradient canaries added to the clipped per-example gradient sum (the
        one-run audit of this run, :mod:`audit.dp._canaries`); read the bound with
        :meth:`PrivateTraining.canary_audit` when training ends.

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
    check_batch_norm(model, fix_model=False)  # before anything is wrapped or spent
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
    # one logit: BCE-with-logits; two or more: cross-entropy (chosen from the output width)
    loss_fn: LossFn = classification_loss

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
                criterion=ClassificationLoss())
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
    if canaries is not None:
        canaries.attach(list(dp_optimizer.params), sample_rate=sample_rate,
                        max_grad_norm=max_grad_norm)
        install_canaries(canaries, dp_optimizer, mode, keeper if mode == "bookkeeping" else None)
    return PrivateTraining(
        model=private_model, optimizer=dp_optimizer, loader=loader, loss_fn=loss_fn,
        engine=engine, config=privacy, delta=delta, delta_rule=rule, noise_multiplier=noise,
        sample_rate=sample_rate, epochs=epochs, grad_sample_mode=mode, canaries=canaries,
        _closers=closers)


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
