"""Empirical epsilon lower bound: closed form, and never above a known epsilon."""

import numpy as np
import pytest

from audit.privacy._attack_errors import AttackConfigError, InvalidDeltaError
from audit.privacy._empirical import empirical_epsilon, false_positive_grid


def test_perfect_separation_equals_closed_form():
    n, delta, confidence = 500, 1e-5, 0.95
    members, nonmembers = np.arange(n) + 10_000.0, np.arange(n, dtype=float)
    bound = empirical_epsilon(members, nonmembers, delta=delta, confidence=confidence)
    n_candidates = 2 * len(false_positive_grid(n))
    assert bound.n_candidates == n_candidates
    error = (1 - confidence) / (2 * n_candidates)
    # Clopper-Pearson one-sided: TP = n of n -> lower = error^(1/n); FP = 0 of n -> upper = 1 - that
    tpr_low, fpr_high = error ** (1 / n), 1 - error ** (1 / n)
    assert bound.rate_lower == pytest.approx(tpr_low, rel=1e-10)
    assert bound.rate_upper == pytest.approx(fpr_high, rel=1e-10)
    assert bound.epsilon_lower_bound == pytest.approx(np.log((tpr_low - delta) / fpr_high),
                                                      rel=1e-10)
    assert (bound.true_positives, bound.false_positives) == (n, 0)
    assert bound.direction == "tpr/fpr" and bound.threshold == n - 1
    assert bound.bound_error == pytest.approx(error)


def randomized_response(eps, n, rng):
    """Scores of the DP game for randomized response: each trial reports its bit truthfully
    with probability e^eps / (1 + e^eps). A member's bit is 1, a non-member's 0."""
    p = np.exp(eps) / (1 + np.exp(eps))
    return (rng.random(n) < p).astype(float), (rng.random(n) >= p).astype(float)


def test_never_above_randomized_response_epsilon():
    bounds = []
    for seed in range(20):
        members, nonmembers = randomized_response(1.0, 20_000, np.random.default_rng(seed))
        bounds.append(empirical_epsilon(members, nonmembers, delta=1e-5).epsilon_lower_bound)
    assert max(bounds) <= 1.0
    assert min(bounds) > 0.85  # and the audit is tight for this mechanism


def test_never_above_gaussian_mechanism_epsilon():
    # Gaussian mechanism with sensitivity 1 and sigma 1 is (eps, delta)-DP with
    # delta(eps) = Phi(-eps + 1/2) - e^eps Phi(-eps - 1/2) (Balle & Wang 2018); at eps = 2
    from scipy.stats import norm

    eps = 2.0
    delta = norm.cdf(-eps + 0.5) - np.exp(eps) * norm.cdf(-eps - 0.5)
    for seed in range(5):
        rng = np.random.default_rng(seed)
        bound = empirical_epsilon(rng.normal(1, 1, 20_000), rng.normal(0, 1, 20_000),
                                  delta=delta)
        assert 0.5 < bound.epsilon_lower_bound <= eps


def test_no_signal_proves_nothing():
    rng = np.random.default_rng(0)
    bound = empirical_epsilon(rng.normal(0, 1, 5000), rng.normal(0, 1, 5000), delta=1e-5)
    assert bound.epsilon_lower_bound == 0.0 and bound.direction == "none"


def test_swapped_direction_is_found():
    # the attack only ever recognises non-members (members never score below 0)
    rng = np.random.default_rng(0)
    members = rng.uniform(0, 1, 2000)
    nonmembers = np.r_[rng.uniform(-1, 0, 1000), rng.uniform(0, 1, 1000)]
    bound = empirical_epsilon(members, nonmembers, delta=1e-5)
    assert bound.direction == "tnr/fnr" and bound.epsilon_lower_bound > 3
    assert bound.false_positives <= 1000 and bound.true_positives == 2000


@pytest.mark.parametrize("delta", [0, 1, -0.1, 1.5, float("nan"), True])
def test_delta_outside_unit_interval_is_refused(delta):
    with pytest.raises(InvalidDeltaError, match="delta: expected a number in the open interval"):
        empirical_epsilon(np.ones(3), np.zeros(3), delta=delta)


def test_confidence_outside_unit_interval_is_refused():
    with pytest.raises(AttackConfigError, match="confidence"):
        empirical_epsilon(np.ones(3), np.zeros(3), delta=1e-5, confidence=1.0)
