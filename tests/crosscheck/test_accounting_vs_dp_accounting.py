"""Accounting against Google's dp_accounting (a test dependency): RDP and PLD on a grid.

PRV (the reported epsilon) must be within 0.2% of Google's PLD and never below it by more
than numerical noise (both are upper bounds of the same true epsilon, PLD with a pessimistic
discretisation of 1e-4); opacus's RDP must equal Google's RDP at the same orders.
"""

import pytest

from audit.privacy import epsilon, noise_for_epsilon, pld_epsilon

dp_accounting = pytest.importorskip("dp_accounting")
from dp_accounting import dp_event  # noqa: E402
from dp_accounting.rdp import rdp_privacy_accountant  # noqa: E402

pytestmark = pytest.mark.slow

#: (sample rate, noise multiplier, steps, delta): DP-SGD settings from small to large epsilon
GRID = [
    (0.001, 0.8, 10_000, 1e-6),
    (256 / 60_000, 1.1, 14_062, 1e-5),   # Abadi et al.'s MNIST setting, 60 epochs
    (0.01, 1.0, 1_000, 1e-5),
    (0.01, 0.7, 3_000, 1e-5),
    (0.02, 1.5, 500, 1e-6),
    (0.05, 2.0, 2_000, 1e-5),
    (0.1, 5.0, 100, 1e-5),
    (0.1, 1.0, 50, 1e-5),
    (1 / 93, 1.3, 930, 1e-4),
    (256 / 29_304, 1.1, 1_150, 1e-6),    # the census sample, 10 epochs
    (0.005, 0.9, 200, 1e-6),
    (0.2, 3.0, 400, 1e-5),
]
ORDERS = [1 + x / 10.0 for x in range(1, 100)] + list(range(12, 64))


def google_rdp(q, sigma, steps, delta):
    acc = rdp_privacy_accountant.RdpAccountant(ORDERS)
    acc.compose(dp_event.SelfComposedDpEvent(
        dp_event.PoissonSampledDpEvent(q, dp_event.GaussianDpEvent(sigma)), steps))
    return acc.get_epsilon(delta)


@pytest.mark.parametrize("q, sigma, steps, delta", GRID)
def test_prv_within_0_2_percent_of_google_pld_and_not_below_it(q, sigma, steps, delta):
    prv = epsilon(sample_rate=q, noise_multiplier=sigma, steps=steps, delta=delta)
    pld = pld_epsilon([(sigma, q, steps)], delta)
    assert pld * (1 - 1e-4) <= prv <= pld * 1.002, (prv, pld)


@pytest.mark.parametrize("q, sigma, steps, delta", GRID)
def test_rdp_equals_google_rdp_at_the_same_orders(q, sigma, steps, delta):
    from opacus.accountants import RDPAccountant

    acc = RDPAccountant()
    acc.history = [(sigma, q, steps)]
    ours = acc.get_epsilon(delta, alphas=ORDERS)
    assert ours == pytest.approx(google_rdp(q, sigma, steps, delta), rel=1e-3)


def test_noise_for_a_target_meets_it_under_google_pld():
    q, steps, delta = 256 / 29_304, 1_150, 1e-6
    sigma = noise_for_epsilon(1.0, delta, q, 10, "prv", steps=steps)
    pld = pld_epsilon([(sigma, q, steps)], delta)
    assert 0.99 <= pld <= 1.0
