"""Privacy accounting with opacus's accountants: epsilon under each, noise for a target.

Pure accounting (no torch modules): history entries are ``(noise_multiplier, sample_rate,
steps)`` exactly as opacus's accountants store them.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

from opacus.accountants import create_accountant
from opacus.accountants.utils import get_noise_multiplier

from audit.dp._errors import DeltaError, UnreachableEpsilonError

ACCOUNTANTS = ("prv", "rdp", "gdp")
History = Sequence[tuple[float, float, int]]


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


def epsilon(history: History, delta: float, accountant: str) -> float:
    """Epsilon at ``delta`` after ``history`` under one accountant (NaN when it cannot say)."""
    if not history:
        return 0.0
    if any(noise == 0 for noise, _, _ in history):
        return math.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gdp warns that it is an approximation: we say so
        acc = create_accountant(mechanism=accountant)
        acc.history = [tuple(h) for h in history]
        try:
            return float(acc.get_epsilon(delta=delta))
        except (ValueError, RuntimeError, OverflowError):
            return math.nan


def epsilons(history: History, delta: float) -> dict[str, float]:
    """Epsilon under every accountant: PRV (numerical composition, tight), RDP (upper bound,
    slightly loose), GDP (central-limit approximation: can under-estimate for few steps)."""
    return {name: epsilon(history, delta, name) for name in ACCOUNTANTS}


def noise_for_epsilon(target_epsilon: float, delta: float, sample_rate: float, epochs: int,
                      accountant: str, *, steps: int | None = None) -> float:
    """Smallest noise multiplier reaching ``target_epsilon`` at ``delta`` after ``epochs``
    (or exactly ``steps`` optimizer steps when given: opacus's ``int(epochs / q)`` can count one
    step fewer than the loader runs).

    Raises
    ------
    UnreachableEpsilonError
        When no noise multiplier up to opacus's search limit reaches it; the message says what
        epsilon is reachable.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            span = {"steps": steps} if steps is not None else {"epochs": epochs}
            return float(get_noise_multiplier(target_epsilon=target_epsilon, target_delta=delta,
                                              sample_rate=sample_rate, accountant=accountant,
                                              epsilon_tolerance=0.005, **span))
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
