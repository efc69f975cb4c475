"""The one-run bound (Steinke, Nasr and Jagielski 2023, Theorem 3.1 with delta) against an
independent re-derivation, its closed form without delta, and its exact coverage."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binom

from audit.core import (
    max_one_run_bound,
    one_run_epsilon_lower_bound,
    one_run_p_value,
    preregistered_guesses,
)


def _tail(r: int, q: float, v: int) -> float:
    """P[Binomial(r, q) >= v] summed term by term from math.comb."""
    return math.fsum(math.comb(r, j) * q**j * (1 - q) ** (r - j) for j in range(max(v, 0), r + 1))


def _p_value(m: int, r: int, v: int, eps: float, delta: float) -> float:
    q = math.exp(eps) / (1 + math.exp(eps))
    f_v = _tail(r, q, v)
    alpha = max(((_tail(r, q, v - i) - f_v) / i for i in range(1, v + 1)), default=0.0)
    return min(f_v + 2 * m * delta * alpha, 1.0)


def _bound(m: int, r: int, v: int, delta: float, level: float) -> float:
    """Bisection on the paper's rule: the largest eps with p(eps) < 1 - level."""
    lo, hi = 0.0, 1.0
    if _p_value(m, r, v, 0.0, delta) >= 1 - level:
        return 0.0
    while _p_value(m, r, v, hi, delta) < 1 - level:
        hi *= 2
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _p_value(m, r, v, mid, delta) < 1 - level else (lo, mid)
    return lo


GRID = [(m, r, v, delta)
        for m in (100, 1000)
        for r in (10, 50, 100)
        for v in sorted({r // 2 + 1, int(0.7 * r), int(0.9 * r), r})
        for delta in (0.0, 1e-5, 1e-3)
        if r <= m]


@pytest.mark.parametrize(("m", "r", "v", "delta"), GRID)
def test_bound_equals_an_independent_derivation(m, r, v, delta):
    for level in (0.95, 0.99):
        assert one_run_epsilon_lower_bound(m, r, v, delta=delta, confidence_level=level) == \
            pytest.approx(_bound(m, r, v, delta, level), abs=1e-7)
    for eps in (0.0, 0.5, 2.0):
        assert one_run_p_value(m, r, v, eps, delta) == pytest.approx(
            _p_value(m, r, v, eps, delta), rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("r", [10, 100, 1000])
def test_all_correct_without_delta_has_a_closed_form(r):
    """v = r, delta = 0: p = q^r, so the bound is logit(0.05^(1/r))."""
    q = 0.05 ** (1 / r)
    assert max_one_run_bound(1000, r, delta=0.0) == pytest.approx(math.log(q / (1 - q)), abs=1e-8)


def test_reference_values():
    """Pinned: 1,000 canaries, 100 guesses (50 + 50), delta 1e-5, 95%."""
    assert one_run_epsilon_lower_bound(1000, 100, 100, delta=1e-5) == pytest.approx(3.46538, abs=1e-4)
    assert one_run_epsilon_lower_bound(1000, 100, 90, delta=1e-5) == pytest.approx(1.62614, abs=1e-4)
    assert one_run_epsilon_lower_bound(1000, 100, 55, delta=1e-5) == 0.0


@pytest.mark.parametrize(("eps", "r"), [(0.5, 100), (1.0, 100), (2.0, 200), (4.0, 500)])
def test_exact_coverage_for_a_mechanism_at_its_epsilon(eps, r):
    """Guesses correct with probability e^eps / (1 + e^eps) (randomised response: exactly
    eps-DP per canary, the worst case of the theorem): the bound exceeds eps with probability
    at most 5%, computed exactly over every count v."""
    q = math.exp(eps) / (1 + math.exp(eps))
    v = np.arange(r + 1)
    exceeds = np.array([one_run_epsilon_lower_bound(1000, r, int(k), delta=0.0) > eps for k in v])
    assert binom.pmf(v, r, q)[exceeds].sum() <= 0.05


def test_preregistered_guesses_ignore_inclusion_and_refuse_too_many():
    scores = np.array([3.0, -1.0, 2.0, 0.0, -2.0])
    assert preregistered_guesses(scores, 2, 1).tolist() == [1, 0, 1, 0, -1]
    assert preregistered_guesses(scores, 0, 0).tolist() == [0] * 5
    with pytest.raises(ValueError, match="k_plus"):
        preregistered_guesses(scores, 3, 3)
    with pytest.raises(ValueError, match="v <= r"):
        one_run_epsilon_lower_bound(10, 5, 6, delta=0.0)
