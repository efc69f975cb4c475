"""The paired bootstrap interval of a difference of two 0/1 outcomes on the same rows: its
coverage by simulation, and that pairing is what makes it narrow."""

from __future__ import annotations

import numpy as np
import pytest

from audit.core import paired_difference_interval


def _pairs(rng, n, p_both, p_a_only, p_b_only):
    """Rows of (a right, b right) with the given cell probabilities (the rest: both wrong)."""
    cell = rng.choice(4, n, p=[p_both, p_a_only, p_b_only, 1 - p_both - p_a_only - p_b_only])
    return np.isin(cell, (0, 1)), np.isin(cell, (0, 2))


@pytest.mark.parametrize("n, cells", [(300, (0.7, 0.12, 0.04)), (120, (0.5, 0.2, 0.1))])
def test_coverage_by_simulation(n, cells):
    rng = np.random.default_rng(0)
    truth = cells[1] - cells[2]  # P(a right) - P(b right)
    hits = 0
    for _ in range(1000):
        a, b = _pairs(rng, n, *cells)
        _, low, high = paired_difference_interval(a, b, n_replicates=1000, seed=rng)
        hits += low <= truth <= high
    assert 0.925 <= hits / 1000 <= 0.975  # nominal 95%; the binomial SE of 1000 runs is 0.007


def test_pairing_narrows_the_interval_and_the_estimate_is_the_difference():
    rng = np.random.default_rng(1)
    a, b = _pairs(rng, 400, 0.8, 0.06, 0.02)  # strongly correlated outcomes
    diff, low, high = paired_difference_interval(a, b, seed=0)
    assert diff == pytest.approx(a.mean() - b.mean())
    # the unpaired (independent-samples) normal interval is much wider
    se = np.sqrt(a.mean() * (1 - a.mean()) / 400 + b.mean() * (1 - b.mean()) / 400)
    assert high - low < 0.75 * (2 * 1.96 * se)
    assert low <= diff <= high


def test_identical_outcomes_give_a_zero_width_interval_and_no_rows_give_nan():
    a = np.array([1, 0, 1, 1], bool)
    assert paired_difference_interval(a, a) == (0.0, 0.0, 0.0)
    assert all(np.isnan(paired_difference_interval(np.zeros(0), np.zeros(0))))
    with pytest.raises(ValueError, match="same rows"):
        paired_difference_interval(a, a[:3])
