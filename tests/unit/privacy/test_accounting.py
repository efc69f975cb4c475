"""Accounting: opacus's epsilon against an independent RDP computation, pinned values."""

import math

import numpy as np
import pytest
from scipy.special import gammaln, logsumexp

from audit.privacy import default_delta, epsilon, epsilons, noise_for_epsilon

# MNIST-style setting of Abadi et al. (2016): q = 256/60000, sigma = 1.1, 60 epochs, delta 1e-5
Q, SIGMA, DELTA = 256 / 60000, 1.1, 1e-5
STEPS = int(60 / Q)


def independent_rdp_epsilon(q, sigma, steps, delta, orders=range(2, 64)):
    """Sampled-Gaussian RDP for integer orders (Mironov, Talwar, Zhang 2019, eq. for integer
    alpha), composed over steps, converted with Balle et al. (2020, Thm 21)."""
    best = math.inf
    for a in orders:
        k = np.arange(a + 1)
        log_binom = gammaln(a + 1) - gammaln(k + 1) - gammaln(a - k + 1)
        terms = log_binom + (a - k) * math.log1p(-q) + k * math.log(q) + (k * k - k) / (2 * sigma**2)
        rdp = steps * logsumexp(terms) / (a - 1)
        eps = rdp + math.log1p(-1 / a) - (math.log(delta) + math.log(a)) / (a - 1)
        best = min(best, eps)
    return best


def test_rdp_matches_independent_computation():
    from opacus.accountants import RDPAccountant

    acc = RDPAccountant()
    acc.history = [(SIGMA, Q, STEPS)]
    ours = acc.get_epsilon(DELTA, alphas=list(range(2, 64)))
    assert ours == pytest.approx(independent_rdp_epsilon(Q, SIGMA, STEPS, DELTA), rel=1e-9)


def test_pinned_epsilons():
    values = epsilons([(SIGMA, Q, STEPS)], DELTA)
    # RDP pinned against the independent integer-order computation above (fractional orders
    # make opacus slightly tighter); PRV pinned from opacus 1.6
    assert values["rdp"] == pytest.approx(2.59656, abs=1e-4)  # opacus default orders
    assert independent_rdp_epsilon(Q, SIGMA, STEPS, DELTA) == pytest.approx(2.59698, abs=1e-4)
    assert values["prv"] == pytest.approx(2.392, abs=0.02)  # eps_error 0.01
    # RDP is an upper bound, PRV numerically tight: PRV <= RDP, within RDP's known slack
    assert values["prv"] <= values["rdp"] <= 1.25 * values["prv"]


def test_zero_noise_is_infinite_epsilon_and_no_steps_is_zero():
    assert epsilon([(0.0, 0.01, 10)], 1e-5, "rdp") == math.inf
    assert epsilon([], 1e-5, "prv") == 0.0


def test_noise_for_epsilon_round_trips():
    sigma = noise_for_epsilon(3.0, DELTA, Q, 60, "rdp")
    eps = epsilon([(sigma, Q, int(60 / Q))], DELTA, "rdp")
    assert 2.95 <= eps <= 3.0


def test_default_delta():
    assert default_delta(29304) == 1e-6
    assert default_delta(60000) == 1e-6
    assert default_delta(1000) == 1e-4
    for n in (10, 999, 29304, 10**6):
        assert default_delta(n) < 1 / n
