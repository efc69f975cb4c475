"""Disparity intervals: published reference values, their definition, and coverage by simulation."""

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import brentq

from audit.core import wilson_bounds
from audit.fairness import FairnessAuditConfig, group_fairness
from audit.fairness._disparity_ci import disparity_intervals

BENCH = Path(__file__).resolve().parents[3] / "benchmarks" / "bench_disparity_coverage.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_disparity_coverage", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _selection_counts(selected, sizes):
    """Counts ``(G, 2, 2)`` with every row a negative, ``selected[g]`` of them predicted 1."""
    c = np.zeros((len(sizes), 2, 2), dtype=np.int64)
    c[:, 0, 1] = selected
    c[:, 0, 0] = np.asarray(sizes) - np.asarray(selected)
    return c


def test_two_groups_reproduce_newcombes_published_interval():
    # Newcombe (1998), Stat Med 17:873, table II example (56/70 vs 48/80), method 10
    lo, hi = disparity_intervals(_selection_counts([56, 48], [70, 80]))[
        "demographic_parity_difference"]
    assert (round(float(lo), 4), round(float(hi), 4)) == (0.0524, 0.3339)


def test_ratio_interval_is_the_inverted_mover_interval_of_the_linear_contrast():
    k, n = np.array([30, 45]), np.array([100, 90])
    lo, hi = disparity_intervals(_selection_counts(k, n))["demographic_parity_ratio"]
    p = k / n
    wl, wu = wilson_bounds(k, n, 0.95)

    def mover(r):  # MOVER limits of p_a - r p_b, a = group 0 (lower rate), b = group 1
        d = p[0] - r * p[1]
        return (d - math.hypot(p[0] - wl[0], r * (wu[1] - p[1])),
                d + math.hypot(wu[0] - p[0], r * (p[1] - wl[1])))

    r_low = brentq(lambda r: mover(r)[0], 1e-9, p[0] / p[1])
    r_high = brentq(lambda r: mover(r)[1], p[0] / p[1], 50)
    assert float(lo) == pytest.approx(r_low, rel=1e-10)
    assert float(hi) == pytest.approx(min(r_high, 1.0), rel=1e-10)


def test_equal_rates_give_an_interval_reaching_equality_and_zero_rates_stay_finite():
    same = disparity_intervals(_selection_counts([20] * 12, [100] * 12))
    assert float(same["demographic_parity_difference"][0]) == 0.0
    assert float(same["demographic_parity_ratio"][1]) == 1.0
    # a group never selected: ratio 0 with lower bound 0 and a finite upper bound
    zero = disparity_intervals(_selection_counts([0, 30], [40, 100]))
    lo, hi = zero["demographic_parity_ratio"]
    assert float(lo) == 0.0 and 0.0 < float(hi) < 0.5
    # every group at 0: the ratio is undefined, the difference is not
    none = disparity_intervals(_selection_counts([0, 0], [40, 100]))
    assert np.isnan(none["demographic_parity_ratio"][0])
    assert float(none["demographic_parity_difference"][0]) == 0.0


def test_bonferroni_level_grows_with_the_number_of_group_pairs():
    # the pairwise difference of two of four groups, alone and with the two other groups
    two = disparity_intervals(_selection_counts([30, 50], [100, 100]))
    four = disparity_intervals(_selection_counts([30, 50, 40, 40], [100] * 4))
    lo6, hi6 = wilson_bounds(np.array([30, 50]), np.array([100, 100]), 1 - 0.05 / 6)  # 6 pairs
    expected_high = 0.2 + math.hypot(hi6[1] - 0.5, 0.3 - lo6[0])
    assert float(four["demographic_parity_difference"][1]) == pytest.approx(expected_high, rel=1e-9)
    assert float(four["demographic_parity_difference"][1]) > float(
        two["demographic_parity_difference"][1])


def test_equalized_odds_combines_both_rates_and_is_undefined_without_one():
    c = np.array([[[60, 20], [10, 30]], [[50, 30], [20, 20]]])  # [g, y_true, y_pred]
    out = disparity_intervals(c)
    for name in ("equalized_odds_difference", "equalized_odds_ratio"):
        lo, hi = out[name]
        assert 0.0 <= float(lo) <= float(hi) <= 1.0
    c[0, 1] = 0  # no actual positives in group 0: one defined TPR -> EO undefined
    assert np.isnan(disparity_intervals(c)["equalized_odds_difference"][0])


def test_fair_model_with_many_small_groups_is_not_a_conclusive_fail():
    rng = np.random.default_rng(0)
    n = 12 * 100
    groups = {"g": np.repeat([f"g{i:02d}" for i in range(12)], 100)}
    pred = (rng.random(n) < 0.3).astype(int)
    pf = group_fairness(rng.integers(0, 2, n), pred, sensitive_features=groups,
                        config=FairnessAuditConfig(bootstrap_replicates=0))
    dp = pf.disparities[0]
    assert dp.interval.low <= dp.value <= dp.interval.high
    assert "Newcombe" in dp.interval.method
    assert not (dp.verdict == "fail" and dp.conclusive)


def test_simulated_coverage_on_a_small_grid():
    bench = _bench()
    cells = bench.coverage_grid(groups=(2, 8, 12), sizes=(50, 1000), differences=(0.0, 0.05, 0.20),
                                reps=800, seed=0)
    assert len(cells) == 4 * 3 * 2 * 3
    worst = min(c.coverage for c in cells)
    assert worst >= 0.92, [c for c in cells if c.coverage < 0.92]
    assert bench.conclusive_fail_rate(reps=1000, seed=0) < 0.05
