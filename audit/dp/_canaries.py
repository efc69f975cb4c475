"""White-box gradient canaries inside the DP engine: the one-run audit of DP-SGD itself.

Steinke, Nasr and Jagielski (2023) audit DP-SGD in one training run by adding ``m`` canaries,
each included independently with probability 1/2. Here a canary is a virtual training example
whose per-example gradient is a Dirac vector: ``norm`` (default: 10 x the clipping norm C, so
that clipping is exercised) at one coordinate of the flattened parameters, a different
coordinate per canary. An included canary is drawn into each step's batch with the engine's
sampling rate q, like any example, and its gradient goes **through the engine's own clipping**
with the real examples' gradients (appended to opacus's ``grad_sample`` in hooks / functorch /
ew mode; one more row of the book-keeper's clip factors in book-keeping mode; in ghost mode,
where opacus clips inside a second backward pass, it is clipped with opacus's formula and added
to the clipped sum), then gets the engine's noise, scaling and accounting. The auditor sees
every released gradient (the white-box threat model of the paper) and scores each canary by the
sum over steps of the noisy gradient at its coordinate; an excluded canary's score is noise
plus the real examples' gradients there.

An engine that clips, samples, noises and accounts correctly gives a one-run lower bound at or
below the accountant's epsilon; a broken one (no clipping, no noise, under-counted steps) is
caught when the bound exceeds it. This module knows nothing of the audit above it: the bound
comes from :mod:`audit.core` and the result type from :mod:`audit.result`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from audit.dp._errors import UnsupportedModelError

#: Canary gradient norm, in units of the clipping norm, when none is given.
DEFAULT_NORM_RATIO = 10.0


def clip_factors(norms: torch.Tensor, max_grad_norm: float) -> torch.Tensor:
    """Per-example clip factors ``min(1, C / (|g| + 1e-6))``: opacus's rule (and the
    book-keeper's, which calls this)."""
    return (max_grad_norm / (norms + 1e-6)).clamp(max=1.0)


class GradientCanaries:
    """``m`` Dirac gradient canaries for one DP-SGD run (white-box one-run audit).

    Pass to :func:`audit.dp.make_private_training` (``canaries=``) or to
    :func:`audit.training.fit`; after training, :meth:`audit` gives the
    :class:`~audit.result.CanaryAudit`.

    Parameters
    ----------
    m : int
        Canaries (the paper uses 1,000 to 10,000). The model needs at least ``m`` trainable
        parameters.
    k_plus, k_minus : int, optional
        Guesses "included" for the highest scores and "excluded" for the lowest, fixed before
        training (default 5% of ``m`` each).
    norm : float, optional
        The canaries' gradient norm before clipping (default ``10 x max_grad_norm``).
    seed : int
        Seeds the coordinates, the inclusion bits and each step's sampling of the canaries.

    Examples
    --------
    >>> canaries = GradientCanaries(200, seed=0)
    >>> canaries.m, canaries.k_plus, canaries.k_minus
    (200, 10, 10)
    """

    mode = "white_box"

    def __init__(self, m: int, *, k_plus: int | None = None, k_minus: int | None = None,
                 norm: float | None = None, seed: int = 0) -> None:
        from audit.core import one_run_default_k

        if isinstance(m, bool) or not isinstance(m, int) or m < 1:
            raise UnsupportedModelError("canaries.m", "a positive number of canaries",
                                        repr(m), "use m=1000")
        self.m = m
        self.k_plus = one_run_default_k(m) if k_plus is None else int(k_plus)
        self.k_minus = one_run_default_k(m) if k_minus is None else int(k_minus)
        if self.k_plus < 0 or self.k_minus < 0 or self.k_plus + self.k_minus > m:
            raise UnsupportedModelError(
                "canaries.k_plus / k_minus", f"non-negative guesses, at most m = {m} in all",
                f"{self.k_plus} + {self.k_minus}", "leave them unset (5% of m each)")
        self.norm = norm
        self.seed = seed
        rng = np.random.default_rng(seed)
        self.included = rng.random(m) < 0.5
        self._rng = np.random.default_rng(rng.integers(2**63))
        self._released: list[np.ndarray] = []  # per step: the released gradient at each canary
        self._params: list[torch.nn.Parameter] = []
        self._where: list[tuple[int, int]] = []  # canary -> (parameter index, flat index)
        self._norm = self._q = self._clip = self._scale = 0.0

    # -- wiring (make_private_training) ---------------------------------------------------
    def attach(self, params: Sequence[torch.nn.Parameter], *, sample_rate: float,
               max_grad_norm: float) -> None:
        """Choose the canaries' coordinates among ``params`` (called by the engine)."""
        if self._params:
            raise UnsupportedModelError("canaries", "canaries attached to one training run",
                                        "canaries already attached",
                                        "create new GradientCanaries for each run")
        sizes = np.array([p.numel() for p in params])
        if sizes.sum() < self.m:
            raise UnsupportedModelError(
                "canaries.m", f"at most {int(sizes.sum())} canaries (one trainable parameter "
                "each)", str(self.m), "use fewer canaries")
        flat = np.random.default_rng(self.seed + 1).choice(int(sizes.sum()), self.m,
                                                           replace=False)
        starts = np.r_[0, np.cumsum(sizes)[:-1]]
        which = np.searchsorted(starts, flat, side="right") - 1
        self._where = [(int(w), int(f - starts[w])) for w, f in zip(which, flat)]
        self._params = list(params)
        self._norm = float(self.norm if self.norm is not None
                           else DEFAULT_NORM_RATIO * min(max_grad_norm, 1e30))
        self._q = float(sample_rate)
        self._clip = float(min(max_grad_norm, 1e30))

    def rows(self) -> dict[torch.nn.Parameter, torch.Tensor] | None:
        """This step's sampled canaries as per-example gradient rows ``(k, *p.shape)`` per
        parameter (None when none is drawn). Called once per step, before clipping."""
        drawn = np.flatnonzero(self.included & (self._rng.random(self.m) < self._q))
        if len(drawn) == 0:
            return None
        rows = {p: torch.zeros((len(drawn), *p.shape), dtype=p.dtype, device=p.device)
                for p in self._params}
        for row, canary in enumerate(drawn):
            param, index = self._where[canary]
            rows[self._params[param]].view(len(drawn), -1)[row, index] = self._norm
        return rows

    def record(self, optimizer) -> None:
        """Keep each canary's coordinate of the released (noisy, scaled) gradient."""
        if not self._released:
            self._scale = (1.0 / optimizer.expected_batch_size
                           if optimizer.loss_reduction == "mean" else 1.0)
        values = {}
        for i, p in enumerate(self._params):
            if p.grad is not None:
                values[i] = p.grad.detach().reshape(-1).double().cpu().numpy()
        self._released.append(np.array([values[w][f] if w in values else 0.0
                                        for w, f in self._where]))

    @property
    def steps(self) -> int:
        return len(self._released)

    @property
    def scores(self) -> np.ndarray:
        """Each canary's score: the log-likelihood ratio "drawn with rate q in every step" vs
        "never there" of its released gradients. Per step the released value at the canary's
        coordinate is taken around its median over the steps (which removes the real
        examples' steady gradient there) and modelled as Gaussian with that coordinate's
        own spread (1.4826 x the median absolute deviation: the noise, or with a broken
        engine what is left of it), plus, when the canary is drawn (probability q), its
        clipped contribution ``a = min(norm, C) / B``:
        ``sum_t log(1 - q + q exp((a x_t - a^2 / 2) / s^2))``. A fixed rule of the released
        values alone (never of the inclusion bits), so the bound stays valid."""
        return self.scores_at(self.steps)

    def scores_at(self, steps: int) -> np.ndarray:
        """The scores (:attr:`scores`) of the first ``steps`` released gradients: what the
        auditor could say after that many steps (a checkpoint)."""
        if not self._released or steps <= 0:
            return np.zeros(self.m)
        values = np.stack(self._released[:steps])
        x = values - np.median(values, axis=0)
        a = min(self._norm, self._clip) * self._scale
        s = np.maximum(1.4826 * np.median(np.abs(x), axis=0), 1e-6 * a)
        z = (a * x - a * a / 2) / (s * s)
        # log(1 - q + q e^z), stable for large z
        return np.logaddexp(np.log1p(-self._q), np.log(self._q) + z).sum(axis=0)

    # -- the audit -----------------------------------------------------------------------
    def audit(self, spend, *, confidence_level: float = 0.95):
        """The one-run bound of this run (:class:`~audit.result.CanaryAudit`).

        Parameters
        ----------
        spend : PrivacySpend
            The run's spend (:meth:`PrivateTraining.spend`): its delta is the bound's delta and
            its epsilon the one the bound must stay below.
        confidence_level : float
        """
        return summarise_canaries(
            self.scores, self.included, mode="white_box",
            canary=(f"Dirac gradient of norm {self._norm:g} (clipping norm "
                    f"{spend.max_grad_norm:g}) at one parameter, sampled at rate "
                    f"{self._q:.4g} per step"),
            k_plus=self.k_plus, k_minus=self.k_minus, delta=spend.delta,
            confidence_level=confidence_level, spend=spend,
            notes=(f"score: the log-likelihood ratio of the {self.steps} released gradients at "
                   "the canary's coordinate (the auditor sees every update)",))


def summarise_canaries(scores: np.ndarray, included: np.ndarray, *, mode: str, canary: str,
                       k_plus: int, k_minus: int, delta: float, confidence_level: float,
                       spend=None, notes: tuple[str, ...] = ()):
    """Pre-registered guesses on ``scores``, their correct count against ``included`` and the
    one-run bound, as a :class:`~audit.result.CanaryAudit` (white-box and black-box alike)."""
    from audit.core import max_one_run_bound, one_run_epsilon_lower_bound, preregistered_guesses
    from audit.result import CanaryAudit

    m = len(scores)
    guesses = preregistered_guesses(scores, k_plus, k_minus)
    truth = np.where(included, 1, -1)
    r, v = int((guesses != 0).sum()), int((guesses == truth).sum())
    bound = one_run_epsilon_lower_bound(m, r, v, delta=delta, confidence_level=confidence_level)
    return CanaryAudit(
        mode=mode, canary=canary, m=m, n_included=int(np.sum(included)), k_plus=k_plus,
        k_minus=k_minus, n_guesses=r, n_correct=v, epsilon_lower_bound=bound,
        max_provable=max_one_run_bound(m, r, delta=delta, confidence_level=confidence_level),
        delta=float(delta), confidence_level=float(confidence_level),
        accountant_epsilon=spend.epsilon if spend is not None else None,
        accountant=spend.accountant if spend is not None else "",
        grad_sample_mode=spend.grad_sample_mode if spend is not None else "",
        consistent=None if spend is None else bool(bound <= spend.epsilon), notes=notes)


def install(canaries: GradientCanaries, optimizer, mode: str, keeper=None) -> None:
    """Wire ``canaries`` into a DP optimizer of grad-sample ``mode`` (make_private_training)."""
    params = list(optimizer.params)
    if mode == "bookkeeping":
        keeper.extra_rows = canaries.rows
    elif mode == "ghost":
        accumulate = optimizer.accumulate

        def accumulate_with_canaries() -> None:
            accumulate()
            rows = canaries.rows()
            if rows is None:
                return
            norms = torch.stack([r.reshape(len(r), -1).norm(2, dim=1) for r in rows.values()],
                                dim=1).norm(2, dim=1)
            factor = clip_factors(norms, optimizer.max_grad_norm)
            for p in params:
                p.summed_grad.add_(torch.einsum("i,i...", factor.to(p.dtype), rows[p]))
        optimizer.accumulate = accumulate_with_canaries
    else:  # opacus's GradSampleModule modes: the rows join the batch's per-example gradients
        clip = optimizer.clip_and_accumulate

        def clip_with_canaries() -> None:
            rows = canaries.rows()
            if rows is not None:
                for p in params:
                    own = optimizer._get_flat_grad_sample(p)
                    p.grad_sample = torch.cat([own, rows[p].to(own.dtype)])
            clip()
        optimizer.clip_and_accumulate = clip_with_canaries
    inner_step = optimizer.original_optimizer.step

    def step_and_record(*args, **kwargs):
        canaries.record(optimizer)
        return inner_step(*args, **kwargs)
    optimizer.original_optimizer.step = step_and_record
