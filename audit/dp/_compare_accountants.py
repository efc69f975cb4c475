"""Epsilon under every accountant, side by side, each labelled with what it guarantees.

- PRV (opacus; Gopi et al. 2021): numerical composition, a tight *upper bound* (see
  :mod:`audit.privacy._accounting` for the tolerance).
- RDP (opacus; Mironov 2017): an *upper bound*, looser (the RDP-to-DP conversion loses).
- GDP (opacus; Dong, Roth and Su 2019): a central-limit *approximation*, not a bound; it can
  fall below the true epsilon, most for few steps.
- PLD (Google's ``dp_accounting``; Koskela et al., Doroshenko et al. 2022): privacy loss
  distributions composed numerically, pessimistic discretisation: an *upper bound*, shown
  when that package is installed (``pip install dp-accounting``, in the ``dev`` extra).
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from typing import Literal

from audit.dp._accounting import ACCOUNTANTS, History, as_history, epsilon

Guarantee = Literal["upper bound", "approximation"]

_ABOUT: dict[str, tuple[Guarantee, str]] = {
    "prv": ("upper bound", "opacus PRV accountant: numerical composition, tight"),
    "rdp": ("upper bound", "opacus RDP accountant: Renyi DP, converted to (epsilon, delta)"),
    "gdp": ("approximation", "opacus GDP accountant: central-limit approximation, not a bound "
                             "(can under-estimate for few steps)"),
    "pld": ("upper bound", "Google dp_accounting PLD accountant: privacy loss distributions, "
                           "pessimistic discretisation"),
}


@dataclass(frozen=True)
class AccountantEpsilon:
    """One accountant's epsilon and what kind of number it is.

    Attributes
    ----------
    accountant : {"prv", "rdp", "gdp", "pld"}
    epsilon : float
    guarantee : {"upper bound", "approximation"}
    description : str
    """

    accountant: str
    epsilon: float
    guarantee: Guarantee
    description: str

    @property
    def label(self) -> str:
        """``"GDP (approximation)"``, ``"PRV"``: how to name it wherever it is shown."""
        name = self.accountant.upper()
        return f"{name} (approximation)" if self.guarantee == "approximation" else name


def pld_available() -> bool:
    """Whether Google's ``dp_accounting`` package is installed."""
    return importlib.util.find_spec("dp_accounting") is not None


def pld_epsilon(history: History, delta: float, *,
                value_discretization_interval: float = 1e-4) -> float:
    """Epsilon of a Poisson-subsampled Gaussian history under Google's PLD accountant.

    Raises
    ------
    ModuleNotFoundError
        When ``dp_accounting`` is not installed (``pip install dp-accounting``).
    """
    from dp_accounting import dp_event
    from dp_accounting.pld import pld_privacy_accountant

    entries = as_history(history)
    if not entries:
        return 0.0
    if any(noise == 0 for noise, _, _ in entries):
        return math.inf
    acc = pld_privacy_accountant.PLDAccountant(
        value_discretization_interval=value_discretization_interval)
    acc.compose(dp_event.ComposedDpEvent([
        dp_event.SelfComposedDpEvent(
            dp_event.PoissonSampledDpEvent(q, dp_event.GaussianDpEvent(noise)), steps)
        for noise, q, steps in entries]))
    return float(acc.get_epsilon(delta))


def compare_accountants(history: History | None = None, delta: float | None = None, *,
                        sample_rate: float | None = None, noise_multiplier: float | None = None,
                        steps: int | None = None,
                        include_pld: bool = True) -> tuple[AccountantEpsilon, ...]:
    """Epsilon at ``delta`` under PRV, RDP, GDP and (if installed) Google's PLD, side by side.

    Parameters
    ----------
    history : sequence of (noise_multiplier, sample_rate, steps), optional
        Or the plain keywords ``sample_rate``, ``noise_multiplier`` and ``steps``.
    delta : float
    include_pld : bool
        Add Google's PLD accountant when ``dp_accounting`` is installed.

    Returns
    -------
    tuple of AccountantEpsilon
        In the order PRV, RDP, GDP, PLD; use ``.label`` to show them (GDP is labelled an
        approximation).

    Examples
    --------
    >>> rows = compare_accountants(sample_rate=0.01, noise_multiplier=1.0, steps=1000,
    ...                            delta=1e-5, include_pld=False)
    >>> [(r.label, round(r.epsilon, 2)) for r in rows]
    [('PRV', 1.83), ('RDP', 2.1), ('GDP (approximation)', 1.62)]
    """
    entries = as_history(history, sample_rate=sample_rate, noise_multiplier=noise_multiplier,
                         steps=steps)
    out = [AccountantEpsilon(name, epsilon(entries, delta, name), *_ABOUT[name])
           for name in ACCOUNTANTS]
    if include_pld and pld_available():
        out.append(AccountantEpsilon("pld", pld_epsilon(entries, delta), *_ABOUT["pld"]))
    return tuple(out)
