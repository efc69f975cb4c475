"""Empirical epsilon lower bound: closed form, and never above a known epsilon."""

import numpy as np
import pytest

from audit.privacy._attack_errors import AttackConfigError, InvalidDeltaError
from audit.privacy._empirical import empirical_epsilon, false_positive_grid
from audit.privacy._roc import clopper_pearson


def test_perfect_separation_equals_closed_form():
    n, delta, confidence_level = 500, 1e-5, 0.95
    members, nonmembers = np.arange(n) + 10_000.0, np.arange(n, dtype=float)
    bound = empirical_epsilon(members, nonmembers, delta=delta, confidence_level=confidence_level)
    n_candidates = 2 * len(false_positive_grid(n))
    assert bound.n_candidates == n_candidates
    error = (1 - confidence_level) / (2 * n_candidates)
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
    # and the audit is tight for this mechanism (0.845 since the FPR bound is taken at the
    # grid count, which binary scores' ties make larger than the observed count; was 0.85)
    assert min(bounds) > 0.84


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
        empirical_epsilon(np.ones(3), np.zeros(3), delta=1e-5, confidence_level=1.0)


def test_tied_scores_take_the_fpr_bound_at_the_grid_count():
    # 11 non-members far above, then a block of 489 tied at 1.0: every grid count c from 11 to
    # 499 picks the threshold 1.0, where only 11 non-members lie strictly above
    rng = np.random.default_rng(0)
    nonmembers = np.concatenate([rng.uniform(3, 4, 11), np.full(489, 1.0), rng.uniform(0, 1, 500)])
    members = np.concatenate([rng.uniform(0, 1, 300), np.full(700, 2.0)])
    bound = empirical_epsilon(members, nonmembers, delta=1e-5)
    grid = false_positive_grid(1000)
    c = int(grid[grid >= 11][0])
    assert bound.direction == "tpr/fpr"
    assert (bound.threshold, bound.false_positives, bound.true_positives) == (1.0, 11, 700)
    assert c > 11
    _, upper = clopper_pearson(c, 1000, level=1 - 2 * bound.bound_error)
    assert bound.rate_upper == pytest.approx(float(upper), rel=1e-12)
    _, tied = clopper_pearson(11, 1000, level=1 - 2 * bound.bound_error)
    assert bound.rate_upper > float(tied)  # the observed count would claim more


def test_bound_stays_valid_with_heavily_tied_scores_and_no_leakage():
    # members and non-members from the same discrete score distribution: any bound > 0 is a
    # false alarm, which must happen in at most 5% of runs
    values = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
    probs = np.array([0.3, 0.25, 0.2, 0.15, 0.07, 0.03])
    alarms = 0
    for seed in range(200):
        rng = np.random.default_rng(seed)
        members, nonmembers = (rng.choice(values, 2000, p=probs) for _ in range(2))
        alarms += empirical_epsilon(members, nonmembers, delta=1e-5).epsilon_lower_bound > 0
    assert alarms <= 10
