"""The one-run canary audit (Steinke, Nasr and Jagielski, NeurIPS 2023), black-box mode, and
the twin run the config-driven audit trains for it.

Black-box canaries are training examples, each included independently with probability 1/2:

- ``"random_inputs"`` (tables, the default for tensor data): ``m`` inputs drawn from a Gaussian
  with the training features' mean and twice their standard deviation, each with a random
  label. Off the data, the model can only fit them by memorising them. An excluded one gets
  whatever the model extrapolates there, often a confident prediction of the other label, so
  the informative guesses are "excluded" for the canaries of highest loss: the default rule
  guesses only those (``k_plus = 0``, ``k_minus = 10%`` of ``m``; measured on a pilot run of
  Adult, fixed since);
- ``"flipped_labels"`` (any dataset, the default for text): ``m`` training rows with their
  label flipped; all ``m`` original rows leave the training data either way, so the only
  difference a canary makes is its own presence.

After training each canary is scored by minus the model's loss on it; the guesses (fixed
before training) and their correct count give the epsilon lower bound of
:func:`audit.core.one_run_epsilon_lower_bound`. The white-box mode (gradient canaries inside
the DP engine) is :class:`audit.dp.GradientCanaries`.

In ``rai-audit run`` (``audits.privacy.canaries``) the canaries are audited on a *twin* run:
the target's model, settings and seed trained once more with the canaries, so the audited
model and every other section's numbers stay as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch.utils.data import ConcatDataset, Dataset, Subset, TensorDataset

from audit.dp import summarise_canaries
from audit.errors import ConfigError
from audit.training import Callback

if TYPE_CHECKING:  # pragma: no cover
    from audit.privacy._config import CanaryAuditConfig
    from audit.result import CanaryAudit, PrivacySpend


class _FlippedLabels(Dataset):
    """Items of ``base`` with the binary label flipped (``1 - y``)."""

    def __init__(self, base: Dataset) -> None:
        self.base = base

    def __len__(self) -> int:
        return len(self.base)

    def __getitem__(self, i: int):
        item = self.base[i]
        return (item[0], 1 - torch.as_tensor(item[1]), *item[2:])


class ExampleCanaries:
    """``m`` black-box canary examples for one training run (pass to :func:`audit.training.fit`).

    Parameters
    ----------
    m : int
        Canaries (the paper uses 1,000).
    k_plus, k_minus : int, optional
        Guesses fixed before training (default: 0 and 10% of ``m``).
    kind : {"auto", "random_inputs", "flipped_labels"}
        ``auto``: random inputs for tensor data, flipped labels otherwise (text).
    seed : int
        Seeds which rows are canaries and which are included.

    Examples
    --------
    >>> data = TensorDataset(torch.randn(100, 3), torch.randint(0, 2, (100,)))
    >>> canaries = ExampleCanaries(20, seed=0)
    >>> mixed = canaries.training_set(data)  # tensors: every row kept, random-input canaries added
    >>> canaries.kind, len(mixed) == 100 + int(canaries.included.sum())
    ('random_inputs', True)
    """

    mode = "black_box"

    def __init__(self, m: int, *, k_plus: int | None = None, k_minus: int | None = None,
                 kind: str = "auto", seed: int = 0) -> None:
        if kind not in ("auto", "random_inputs", "flipped_labels"):
            raise ConfigError("canaries.kind", "'auto', 'random_inputs' or 'flipped_labels'",
                              repr(kind), "leave it 'auto'")
        self.kind = kind
        if isinstance(m, bool) or not isinstance(m, int) or m < 1:
            raise ConfigError("canaries.m", "a positive number of canaries", repr(m),
                              "use m=1000")
        self.m, self.seed = m, seed
        self.k_plus = 0 if k_plus is None else int(k_plus)
        self.k_minus = max(1, m // 10) if k_minus is None else int(k_minus)
        if self.k_plus < 0 or self.k_minus < 0 or self.k_plus + self.k_minus > m:
            raise ConfigError("canaries.k_plus / k_minus",
                              f"non-negative guesses, at most m = {m} in all",
                              f"{self.k_plus} + {self.k_minus}", "leave them unset")
        self.included = np.random.default_rng(seed).random(m) < 0.5
        self.canaries: Dataset | None = None
        self.n_train = 0

    def training_set(self, train: Dataset) -> Dataset:
        """``train`` without the ``m`` canary rows, plus the included canaries (flipped)."""
        if len(train) < 2 * self.m and self.kind != "random_inputs":
            raise ConfigError("canaries.m", f"at most half the training rows ({len(train) // 2})",
                              str(self.m), "use fewer canaries")
        rows = np.random.default_rng(self.seed + 1).permutation(len(train))
        canary_rows, rest = np.sort(rows[:self.m]), np.sort(rows[self.m:])
        kept = canary_rows[self.included]
        if self.kind == "auto":
            self.kind = "random_inputs" if isinstance(train, TensorDataset) else "flipped_labels"
        if self.kind == "random_inputs":
            if not isinstance(train, TensorDataset):
                raise ConfigError("canaries.kind", "'flipped_labels' for data other than "
                                  "tensors (random inputs need a feature matrix)",
                                  "'random_inputs'", "use kind='flipped_labels'")
            x, y, *more = train.tensors
            g = torch.Generator().manual_seed(self.seed + 2)
            cx = (torch.randn((self.m, *x.shape[1:]), generator=g, dtype=x.dtype)
                  * 2 * x.std(dim=0) + x.mean(dim=0))
            cy = torch.randint(0, 2, (self.m,), generator=g, dtype=y.dtype)
            self.canaries = TensorDataset(cx, cy)
            inc = torch.from_numpy(self.included)
            extra = [torch.cat([t, t.new_ones((int(inc.sum()), *t.shape[1:]))]) for t in more]
            mixed = TensorDataset(torch.cat([x, cx[inc]]), torch.cat([y, cy[inc]]), *extra)
            self.n_train = len(mixed)
            return mixed
        if isinstance(train, TensorDataset):
            x, y, *more = train.tensors
            self.canaries = TensorDataset(x[canary_rows], 1 - y[canary_rows],
                                          *(t[canary_rows] for t in more))
            order = np.r_[rest, kept]
            mixed = TensorDataset(x[order], torch.cat([y[rest], 1 - y[kept]]),
                                  *(t[order] for t in more))
        else:
            self.canaries = _FlippedLabels(Subset(train, canary_rows.tolist()))
            mixed = ConcatDataset([Subset(train, rest.tolist()),
                                   _FlippedLabels(Subset(train, kept.tolist()))])
        self.n_train = len(mixed)
        return mixed

    def scores(self, model: torch.nn.Module, *, collate_fn: Callable | None = None) -> np.ndarray:
        """Minus each canary's loss (its flipped label) under ``model``."""
        from audit.privacy._attacks import loss_scores, per_example_logits

        if self.canaries is None:
            raise ConfigError("canaries", "training_set(train) called before scoring",
                              "no training set built", "train with fit(..., canaries=...)")
        logits, labels = per_example_logits(model, self.canaries, collate_fn=collate_fn)
        return loss_scores(logits, labels)

    def audit(self, model: torch.nn.Module, spend: PrivacySpend | None, *,
              delta: float | None = None, confidence_level: float = 0.95,
              collate_fn: Callable | None = None) -> CanaryAudit:
        """The one-run bound of the trained ``model`` (DP run: at the spend's delta and against
        its epsilon; without DP at ``delta``, default 1/(10 N) rounded down to a power of ten)."""
        from audit.dp import default_delta

        if delta is None:
            delta = spend.delta if spend is not None else default_delta(max(self.n_train, 1))
        return summarise_canaries(
            self.scores(model, collate_fn=collate_fn), self.included, mode="black_box",
            canary=("an input drawn from N(mean, (2 std)^2) of the training features with a "
                    "random label" if self.kind == "random_inputs" else
                    "a training row with its label flipped") + (
                ", scored by minus the trained model's loss on it"),
            k_plus=self.k_plus, k_minus=self.k_minus, delta=delta,
            confidence_level=confidence_level, spend=spend)


def canary_twin_audit(train: Dataset, config: CanaryAuditConfig, *,
                      build_model: Callable[[], torch.nn.Module], fit_kwargs: dict[str, Any],
                      privacy: Any, seed: int, confidence_level: float,
                      fit_fn: Callable[..., Any] | None = None) -> CanaryAudit:
    """Train ``build_model()`` once more with the target's settings and the canaries of
    ``config`` (black-box examples or white-box gradient canaries) and audit that run.

    ``fit_fn(model, train, **kwargs)`` trains it (default :func:`audit.training.fit`; the text
    pipeline passes its own, which pads batches).
    """
    from audit.dp import GradientCanaries
    from audit.training import fit, seed_everything

    if config.mode == "white_box" and privacy is None:
        raise ConfigError("audits.privacy.canaries.mode", "black_box for a run without DP-SGD "
                          "(white-box canaries are added inside the DP engine)", "white_box",
                          "set mode: black_box, or train with training.privacy")
    canaries = (GradientCanaries(config.m, k_plus=config.k_plus, k_minus=config.k_minus,
                                 seed=seed) if config.mode == "white_box" else
                ExampleCanaries(config.m, k_plus=config.k_plus, k_minus=config.k_minus,
                                kind=config.kind, seed=seed))
    seed_everything(seed)
    model = build_model()
    epochs = CanaryEpochs(canaries, collate_fn=fit_kwargs.get("collate_fn"))
    run = (fit_fn or fit)(model, train, privacy=privacy, seed=seed, canaries=canaries,
                          **{**fit_kwargs, "progress": False,
                             "callbacks": [*fit_kwargs.get("callbacks", ()), epochs]})
    audit = run.canary_audit
    if confidence_level != audit.confidence_level:
        audit = (canaries.audit(run.privacy, confidence_level=confidence_level)
                 if config.mode == "white_box" else
                 canaries.audit(run.model, run.privacy, confidence_level=confidence_level,
                                collate_fn=fit_kwargs.get("collate_fn")))
    from dataclasses import replace

    return replace(audit, epoch_bounds=epochs.bounds(audit),
                   notes=(*audit.notes, "audited on a twin run: the target's model, "
                          "settings and seed trained again with the canaries"))


class CanaryEpochs(Callback):
    """Keeps what the canary audit needs at each epoch's end: the number of released updates
    (white-box) or the canaries' scores under the model as it is (black-box, scored inside
    ``torch.random.fork_rng`` so training draws the same random numbers)."""

    def __init__(self, canaries: Any, *, collate_fn: Callable | None = None) -> None:
        self.canaries, self.collate_fn = canaries, collate_fn
        self.marks: list[Any] = []

    def on_epoch_end(self, state, control) -> None:
        if self.canaries.mode == "white_box":
            self.marks.append(self.canaries.steps)
            return
        with torch.random.fork_rng(devices=[]):
            self.marks.append(self.canaries.scores(state.model, collate_fn=self.collate_fn))

    def bounds(self, final: CanaryAudit) -> tuple[float, ...]:
        """The pre-registered rule's bound after each epoch, at the final audit's delta and
        confidence."""
        out = []
        for mark in self.marks:
            scores = self.canaries.scores_at(mark) if self.canaries.mode == "white_box" else mark
            out.append(summarise_canaries(
                scores, self.canaries.included, mode=final.mode, canary=final.canary,
                k_plus=final.k_plus, k_minus=final.k_minus, delta=final.delta,
                confidence_level=final.confidence_level).epsilon_lower_bound)
        return tuple(out)
