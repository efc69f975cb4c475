"""Privacy accounting with opacus's accountants: epsilon under each, noise for a target.

Pure accounting (no torch modules): history entries are ``(noise_multiplier, sample_rate,
steps)`` exactly as opacus's accountants store them.

PRV is tight here: opacus's PRV accountant returns an upper bound ``estimate + eps_error``
with a default ``eps_error`` of 0.01 (+1% at epsilon 1). We first take that bound, then ask for
``eps_error = PRV_RELATIVE_ERROR`` times it, so the reported epsilon is still opacus's
guaranteed upper bound, now within about 0.1% of the true value (Google's PLD accountant
agrees: ``tests/crosscheck/test_accounting_crosscheck.py``). The discretisation grows as
``sqrt(steps) / eps_error``; where it would pass :data:`PRV_MAX_POINTS` (very small epsilons,
or hundreds of thousands of steps) the finest ``eps_error`` within that size is used instead.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from functools import lru_cache
from typing import overload

from opacus.accountants import PRVAccountant, create_accountant
from opacus.accountants.utils import get_noise_multiplier

from audit.dp._errors import DeltaError, UnreachableEpsilonError
from audit.errors import ConfigError

ACCOUNTANTS = ("prv", "rdp", "gdp")
History = Sequence[tuple[float, float, int]]
#: PRV's error allowance, relative to a first (looser) PRV upper bound.
PRV_RELATIVE_ERROR = 1e-3
#: Largest PRV discretisation (grid points) asked for: a few seconds, ~100 MB.
PRV_MAX_POINTS = 3_000_000
#: A half-width beyond opacus's safe PRV domains seen in practice (3 to 6).
_SURELY_WIDER_DOMAIN = 50.0
#: opacus's own default eps_error for PRV.
_PRV_DEFAULT_EPS_ERROR = 0.01


def default_delta(n_train: int) -> float:
    """The largest power of ten below ``1 / (10 n_train)`` (1e-6 for 29,304 rows).

    Examples
    --------
    >>> default_delta(29304)
    1e-06
    """
    return 10.0 ** math.floor(math.log10(1.0 / (10 * n_train)))


def check_delta(delta: float, n_train: int) -> None:
    """Refuse a delta outside (0, 1) or not below 1/N (such a delta allows leaking a record)."""
    if not (0.0 < delta < 1.0):
        raise DeltaError("privacy.delta", "a delta in (0, 1)", repr(delta),
                         f"use e.g. {default_delta(n_train):g} (the default for {n_train} rows)")
    if delta >= 1.0 / n_train:
        raise DeltaError(
            "privacy.delta", f"delta < 1/N = {1.0 / n_train:.3g} for N = {n_train} training rows",
            repr(delta), f"use {default_delta(n_train):g} or smaller (a delta of 1/N allows "
            "releasing one whole record)")


def prv_eps_error(history: History, delta: float, rough_epsilon: float) -> float:
    """The ``eps_error`` asked of opacus's PRV accountant for an epsilon near ``rough_epsilon``.

    ``PRV_RELATIVE_ERROR * rough_epsilon``, or larger where opacus's grid (``2 L / mesh``
    points, ``mesh = eps_error / sqrt(steps * log(12 / delta_error) / 2)``) would exceed
    :data:`PRV_MAX_POINTS`.

    Examples
    --------
    >>> prv_eps_error([(1.0, 0.01, 1000)], 1e-5, 1.84)
    0.00184
    """
    from opacus.accountants.analysis.prv import PoissonSubsampledGaussianPRV, compute_safe_domain_size

    wanted = PRV_RELATIVE_ERROR * rough_epsilon
    delta_error = delta / 1000  # opacus's default
    steps = [int(t) for _, _, t in history]
    spread = math.sqrt(sum(steps) * math.log(12 / delta_error) / 2)
    if 2 * _SURELY_WIDER_DOMAIN * spread / wanted <= PRV_MAX_POINTS:
        return wanted  # small enough whatever the domain (skips an RDP computation)
    half_width = compute_safe_domain_size(
        prvs=[PoissonSubsampledGaussianPRV(q, sigma) for sigma, q, _ in history],
        max_self_compositions=steps, eps_error=wanted, delta_error=delta_error)
    return max(wanted, 2 * half_width * spread / PRV_MAX_POINTS)


def _prv_upper_bound(acc: PRVAccountant, delta: float) -> float:
    rough = float(acc.get_epsilon(delta=delta))  # eps_error 0.01: an upper bound
    if not math.isfinite(rough):
        return rough
    eps_error = prv_eps_error(acc.history, delta, rough)
    if eps_error >= _PRV_DEFAULT_EPS_ERROR:
        return rough
    return float(acc.get_epsilon(delta=delta, eps_error=eps_error))


@lru_cache(maxsize=512)
def _epsilon(history: tuple[tuple[float, float, int], ...], delta: float,
             accountant: str) -> float:
    if not history:
        return 0.0
    if any(noise == 0 for noise, _, _ in history):
        return math.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gdp warns that it is an approximation: we say so
        acc = create_accountant(mechanism=accountant)
        acc.history = list(history)
        try:
            if accountant == "prv":
                return _prv_upper_bound(acc, delta)
            return float(acc.get_epsilon(delta=delta))
        except (ValueError, RuntimeError, OverflowError):
            return math.nan


def as_history(history: History | None, *, sample_rate: float | None = None,
               noise_multiplier: float | None = None,
               steps: int | None = None) -> tuple[tuple[float, float, int], ...]:
    """A history from either an opacus history or the three plain keywords (not both).

    Raises
    ------
    ConfigError
        Both forms, neither, or a plain form with a keyword missing or out of range.
    """
    plain = {"sample_rate": sample_rate, "noise_multiplier": noise_multiplier, "steps": steps}
    given = [k for k, v in plain.items() if v is not None]
    if history is not None:
        if given:
            raise ConfigError(", ".join(given), "either a history or sample_rate, "
                              "noise_multiplier and steps", "both",
                              "pass one of the two forms")
        return tuple((float(n), float(q), int(t)) for n, q, t in history)
    missing = [k for k, v in plain.items() if v is None]
    if missing:
        raise ConfigError(", ".join(missing), "sample_rate, noise_multiplier and steps "
                          "(or a history)", f"no {' and no '.join(missing)}",
                          "pass e.g. epsilon(sample_rate=0.01, noise_multiplier=1.1, steps=1000, "
                          "delta=1e-5)")
    if not 0 < sample_rate <= 1:
        raise ConfigError("sample_rate", "a sampling rate in (0, 1] (batch size / N)",
                          repr(sample_rate), "pass batch_size / number_of_training_rows")
    if noise_multiplier < 0:
        raise ConfigError("noise_multiplier", "a noise multiplier >= 0", repr(noise_multiplier),
                          "pass the Gaussian noise std relative to the clipping norm")
    if isinstance(steps, bool) or int(steps) != steps or steps < 0:
        raise ConfigError("steps", "a whole number of optimizer steps >= 0", repr(steps),
                          "pass epochs * steps per epoch")
    return ((float(noise_multiplier), float(sample_rate), int(steps)),) if steps else ()


def _check_delta(delta: float | None) -> float:
    if delta is None or isinstance(delta, bool) or not 0 < delta < 1:
        raise DeltaError("delta", "a delta in (0, 1), below 1/N of the training set",
                         repr(delta), "pass e.g. delta=1e-5")
    return float(delta)


@overload
def epsilon(history: History, delta: float, accountant: str = "prv") -> float: ...


@overload
def epsilon(*, sample_rate: float, noise_multiplier: float, steps: int, delta: float,
            accountant: str = "prv") -> float: ...


def epsilon(history: History | None = None, delta: float | None = None, accountant: str = "prv",
            *, sample_rate: float | None = None, noise_multiplier: float | None = None,
            steps: int | None = None) -> float:
    """Epsilon at ``delta`` under one accountant (NaN when it cannot say).

    Pass an opacus history ``[(noise_multiplier, sample_rate, steps), ...]``, or, to plan a
    run, ``sample_rate``, ``noise_multiplier`` and ``steps`` as keywords.

    Parameters
    ----------
    history : sequence of (float, float, int), optional
    delta : float
    accountant : {"prv", "rdp", "gdp"}
        PRV (tight upper bound), RDP (looser upper bound) or GDP (a central-limit
        *approximation*, which can under-estimate for few steps).
    sample_rate, noise_multiplier, steps : optional
        The plain form of a one-entry history.

    Returns
    -------
    float
        0 for no steps, ``inf`` for zero noise.

    Raises
    ------
    ConfigError
        Neither or both forms, or a plain keyword out of range; :class:`DeltaError` for a
        delta outside (0, 1).

    Examples
    --------
    >>> round(epsilon(sample_rate=0.01, noise_multiplier=1.0, steps=1000, delta=1e-5), 2)
    1.83
    >>> epsilon([(1.0, 0.01, 1000)], 1e-5, "rdp") > 1.83
    True
    """
    if accountant not in ACCOUNTANTS:
        raise ConfigError("accountant", f"one of {list(ACCOUNTANTS)}", repr(accountant),
                          "use 'prv' (tight), 'rdp' or 'gdp'")
    entries = as_history(history, sample_rate=sample_rate, noise_multiplier=noise_multiplier,
                         steps=steps)
    return _epsilon(entries, _check_delta(delta), accountant)


def epsilons(history: History, delta: float) -> dict[str, float]:
    """Epsilon under every opacus accountant: PRV (numerical composition, tight upper bound),
    RDP (upper bound, slightly loose), GDP (central-limit approximation, not a bound: it can
    under-estimate for few steps)."""
    return {name: epsilon(history, delta, name) for name in ACCOUNTANTS}


def noise_for_epsilon(target_epsilon: float, delta: float, sample_rate: float, epochs: int,
                      accountant: str, *, steps: int | None = None) -> float:
    """Smallest noise multiplier reaching ``target_epsilon`` at ``delta`` after ``epochs``
    (or exactly ``steps`` optimizer steps when given, as the engine does: from a float
    ``q = 1 / L`` opacus's ``int(epochs / q)`` can round down, ``3 / (1 / 75)`` is
    ``224.99999999999997``, and plan one step fewer than ``epochs * L``).

    opacus's binary search (tolerance 0.005 on epsilon) runs first with its default accuracy;
    for PRV the answer is then refined with the same tight PRV epsilon as :func:`epsilon`
    reports, so the reported epsilon of the planned run is at most ``target_epsilon``.

    Raises
    ------
    UnreachableEpsilonError
        When no noise multiplier up to opacus's search limit reaches it; the message says what
        epsilon is reachable.
    """
    tolerance = 0.005
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            span = {"steps": steps} if steps is not None else {"epochs": epochs}
            sigma = float(get_noise_multiplier(target_epsilon=target_epsilon, target_delta=delta,
                                               sample_rate=sample_rate, accountant=accountant,
                                               epsilon_tolerance=tolerance, **span))
    except ValueError:
        steps = steps if steps is not None else int(epochs / sample_rate)
        reachable = epsilon([(50.0, sample_rate, steps)], delta, accountant)
        hint = ("; with RDP, epsilons this small are below its conversion floor at any noise: "
                "use accountant 'prv'" if accountant == "rdp" else "")
        raise UnreachableEpsilonError(
            "privacy.target_epsilon",
            f"an epsilon reachable in {epochs} epochs at sample rate {sample_rate:.4g} and "
            f"delta {delta:g} (noise multiplier 50 already gives {reachable:.3g})",
            repr(target_epsilon),
            "raise target_epsilon, train fewer epochs, or use smaller batches (lower sample "
            "rate)" + hint) from None
    if accountant != "prv":
        return sigma
    n_steps = steps if steps is not None else int(epochs / sample_rate)
    return _refine_prv_noise(sigma, target_epsilon, delta, sample_rate, n_steps, tolerance)


def _refine_prv_noise(sigma: float, target: float, delta: float, sample_rate: float,
                      steps: int, tolerance: float) -> float:
    """Bisect ``sigma`` so that the tight PRV epsilon is in ``[target - tolerance, target]``.

    opacus's search met the target with its looser bound (about 0.01 above the tight one), so
    the tight epsilon at ``sigma`` is usually below the target by about that much.
    """
    def eps(s: float) -> float:
        return epsilon([(s, sample_rate, steps)], delta, "prv")

    high = sigma
    while eps(high) > target:  # not expected: the tight bound is below the loose one
        high *= 1.05
    if target - eps(high) <= tolerance:
        return high
    low = high * 0.98
    while eps(low) <= target:
        high, low = low, low * 0.98
        if target - eps(high) <= tolerance:
            return high
    while target - eps(high) > tolerance and high - low > 1e-6 * high:
        mid = (low + high) / 2
        if eps(mid) <= target:
            high = mid
        else:
            low = mid
    return high
