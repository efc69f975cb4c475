"""The one-run privacy audit's statistics (Steinke, Nasr and Jagielski, "Privacy auditing with
one (1) training run", NeurIPS 2023): an epsilon lower bound from guesses about canaries.

``m`` canaries are each included in training independently with probability 1/2; after
training the auditor guesses "included" for ``k_plus`` canaries and "excluded" for ``k_minus``
(``r = k_plus + k_minus`` guesses, the rest abstain) and counts ``v`` correct guesses. For an
(epsilon, delta)-DP algorithm (Theorem 3.1 of the paper, with its delta term),

    P[V >= v] <= f(v) + 2 m delta max_{i = 1..v} (f(v - i) - f(v)) / i,
    f(v) = P[Binomial(r, e^eps / (1 + e^eps)) >= v],

so every epsilon whose right-hand side is below ``1 - confidence`` is rejected; the lower bound
is the largest rejected epsilon (0 when none is). Pure numpy/scipy.

The guesses must not depend on which canaries were included beyond the scores themselves: the
rule here is fixed before scoring (:func:`preregistered_guesses`: the ``k_plus`` highest scores
are guessed included, the ``k_minus`` lowest excluded), so looking at the scores cannot pick
the ``k`` that happens to give the largest bound.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit
from scipy.stats import binom

#: Epsilons above this are not searched (e^50 / (1 + e^50) is 1 in float64).
MAX_EPSILON = 50.0


def one_run_p_value(m: int, r: int, v: int, epsilon: float, delta: float) -> float:
    """Upper bound on ``P[at least v of r guesses correct]`` for an (epsilon, delta)-DP run.

    Parameters
    ----------
    m : int
        Canaries (the delta term grows with ``m``).
    r, v : int
        Guesses made and guesses correct, ``0 <= v <= r <= m``.
    epsilon, delta : float

    Returns
    -------
    float
        The bound of Theorem 3.1, at most 1.

    Examples
    --------
    >>> round(one_run_p_value(1000, 100, 100, 0.0, 0.0), 30) == round(0.5**100, 30)
    True
    """
    q = float(expit(epsilon))
    beta = float(binom.sf(v - 1, r, q))
    alpha = 0.0
    if delta > 0 and v > 0:
        # f(v - i) - f(v) = P[v - i <= W < v] = sum of the pmf at v-1, ..., v-i
        i = np.arange(1, v + 1)
        mass = np.cumsum(binom.pmf(v - i, r, q))
        alpha = float(np.max(mass / i))
    return min(beta + 2 * m * delta * alpha, 1.0)


def one_run_epsilon_lower_bound(m: int, r: int, v: int, *, delta: float,
                                confidence_level: float = 0.95) -> float:
    """The largest epsilon the guesses reject at ``confidence_level`` (0: none rejected).

    ``one_run_p_value`` grows with epsilon, so the bound is the root of
    ``p(epsilon) = 1 - confidence_level`` (Brent's method to 1e-10), or 0 when even epsilon 0
    is not rejected.

    Examples
    --------
    >>> round(one_run_epsilon_lower_bound(1000, 100, 100, delta=0.0), 4)  # all 100 correct
    3.493
    >>> one_run_epsilon_lower_bound(1000, 100, 50, delta=1e-5)  # chance level
    0.0
    """
    if not 0 <= v <= r <= m:
        raise ValueError(f"expected 0 <= v <= r <= m, got v={v}, r={r}, m={m}")
    alpha = 1 - confidence_level
    if r == 0 or one_run_p_value(m, r, v, 0.0, delta) >= alpha:
        return 0.0
    if one_run_p_value(m, r, v, MAX_EPSILON, delta) < alpha:
        return MAX_EPSILON
    return float(brentq(lambda e: one_run_p_value(m, r, v, e, delta) - alpha, 0.0, MAX_EPSILON,
                        xtol=1e-10))


def preregistered_guesses(scores: np.ndarray, k_plus: int, k_minus: int) -> np.ndarray:
    """Guesses fixed before scoring: +1 (included) for the ``k_plus`` highest scores, -1 for the
    ``k_minus`` lowest, 0 (abstain) for the rest. Ties are broken by position (stable).

    Examples
    --------
    >>> preregistered_guesses(np.array([0.1, 5.0, -3.0, 0.2]), 1, 1).tolist()
    [0, 1, -1, 0]
    """
    scores = np.asarray(scores, dtype=np.float64)
    if k_plus + k_minus > len(scores) or min(k_plus, k_minus) < 0:
        raise ValueError(f"expected 0 <= k_plus + k_minus <= {len(scores)} canaries, got "
                         f"k_plus={k_plus}, k_minus={k_minus}")
    order = np.argsort(-scores, kind="stable")
    guesses = np.zeros(len(scores), dtype=np.int64)
    guesses[order[:k_plus]] = 1
    if k_minus:
        guesses[order[len(scores) - k_minus:]] = -1
    return guesses


def max_one_run_bound(m: int, r: int, *, delta: float, confidence_level: float = 0.95) -> float:
    """The bound when all ``r`` guesses are correct: the most ``r`` guesses can ever prove."""
    return one_run_epsilon_lower_bound(m, r, r, delta=delta, confidence_level=confidence_level)


def one_run_default_k(m: int) -> int:
    """Guesses on each side when the config gives none: 5% of the canaries (at least 1)."""
    return max(1, math.floor(0.05 * m))
