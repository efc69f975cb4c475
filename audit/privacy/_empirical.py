"""Empirical lower bound on epsilon from a membership-inference attack.

For an (epsilon, delta)-DP training algorithm, any test "member iff score > t" satisfies
``TPR <= e^epsilon * FPR + delta`` and, swapping the two worlds,
``1 - FPR <= e^epsilon * (1 - TPR) + delta`` (Kairouz et al. 2015; Jagielski et al. 2020).
With a Clopper-Pearson lower bound on TPR and upper bound on FPR, every threshold therefore
proves ``epsilon >= log((TPR_low - delta) / FPR_high)``; the bound reported is the largest
over a fixed family of candidate thresholds.

How the confidence level is kept honest
---------------------------------------
- Candidate thresholds are chosen from one side only, before looking at the other: in the
  direction ``TPR / FPR`` a threshold is the ``(c + 1)``-th largest non-member score, for
  false-positive counts ``c`` on a fixed grid (0, 1, 2, 3, then log-spaced up to the number of
  non-members; about 40 values). The FPR at such a threshold is a uniform order statistic, so its
  Clopper-Pearson upper bound is exact even though the threshold depends on the data; the member
  scores are independent of it, so the TPR lower bound is exact too. The other direction swaps
  the roles (thresholds from the member scores).
- Ties: with tied scores fewer than ``c`` non-members may lie strictly above the ``(c + 1)``-th
  largest score, and the count observed there is biased low by the choice of the threshold.
  The FPR upper bound is therefore always the Clopper-Pearson bound at the grid count ``c``,
  the number the threshold was chosen for: the true FPR at the ``(c + 1)``-th largest score is
  at most the ``(c + 1)``-th smallest of ``n`` uniforms, whatever the ties, so the bound
  stays valid (for continuous scores the observed count is ``c`` and nothing changes).
- Bonferroni over everything maximised: with ``T`` candidates in the two directions, each of the
  ``2T`` one-sided bounds is taken at error ``(1 - confidence) / (2T)``. The bound then holds with
  probability at least ``confidence`` for the maximum.

What the number means
---------------------
``epsilon_lower_bound`` is what the measurement *proves* about the training algorithm at
``delta``: the accountant's epsilon (an upper bound) must be at least this. **A lower bound above
the accountant's epsilon means the DP implementation is broken** (wrong noise, clipping,
sampling or accounting), up to the ``1 - confidence`` chance of a false alarm.

It treats each member and non-member as an independent trial of the DP game. That is exact
for a mechanism run once per trial (the randomized-response test) and the standard heuristic
for one trained model audited on many examples; it says nothing about examples the attack was
not run on. A bound of 0 means only that this attack proves nothing, never that the model is
private.
"""

from __future__ import annotations

import numpy as np

from audit.core import clopper_pearson
from audit.privacy._attack_errors import AttackConfigError, InvalidDeltaError
from audit.result import EmpiricalEpsilon

__all__ = ["EmpiricalEpsilon", "empirical_epsilon", "false_positive_grid"]

def false_positive_grid(n: int, n_log: int = 36) -> np.ndarray:
    """The fixed grid of error counts at which candidate thresholds are placed.

    ``0, 1, 2, 3`` then ``n_log`` log-spaced counts up to ``n - 1``, unique and sorted; it
    depends on ``n`` only.

    Examples
    --------
    >>> false_positive_grid(10).tolist()
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    """
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    grid = np.concatenate([[0, 1, 2, 3], np.geomspace(4, max(n - 1, 4), n_log)])
    grid = np.unique(np.floor(grid).astype(np.int64))
    return grid[grid <= n - 1]


def _direction_candidates(pos: np.ndarray, neg: np.ndarray):
    """Thresholds from ``neg`` order statistics; counts of ``pos`` and ``neg`` above each, and
    the grid count ``c`` each threshold stands for (``fp <= c``, equal without ties)."""
    grid = false_positive_grid(len(neg))
    neg_desc = np.sort(neg)[::-1]
    thresholds = neg_desc[grid]  # the (c + 1)-th largest negative score
    pos_sorted, neg_sorted = np.sort(pos), np.sort(neg)
    tp = len(pos) - np.searchsorted(pos_sorted, thresholds, side="right")
    fp = len(neg) - np.searchsorted(neg_sorted, thresholds, side="right")
    return thresholds, tp, fp, grid


def _one_sided_bounds(tp, n_pos, grid_count, n_neg, error):
    """Clopper-Pearson lower bound of tp/n_pos and upper bound of grid_count/n_neg, one-sided.

    A one-sided bound with error ``e`` is the matching side of the two-sided interval at level
    ``1 - 2 e``. The upper bound is taken at the grid count, not the (possibly tied, smaller)
    observed count: see the module docstring.
    """
    rate_lower, _ = clopper_pearson(tp, n_pos, level=1.0 - 2.0 * error)
    _, rate_upper = clopper_pearson(grid_count, n_neg, level=1.0 - 2.0 * error)
    return rate_lower, rate_upper


def empirical_epsilon(member_scores: np.ndarray, nonmember_scores: np.ndarray, *, delta: float,
                      confidence_level: float = 0.95) -> EmpiricalEpsilon:
    """The epsilon that an attack's scores prove at ``delta``, with probability ``confidence``.

    See the module docstring for the candidate thresholds and the multiple-testing correction.

    Parameters
    ----------
    member_scores, nonmember_scores : array of float
        Attack scores (higher means "more likely a member").
    delta : float
        In the open interval (0, 1); use the delta of the accountant's epsilon to compare them.
    confidence_level : float
        Probability that the bound holds, in (0, 1).

    Returns
    -------
    EmpiricalEpsilon

    Raises
    ------
    InvalidDeltaError
        ``delta`` outside (0, 1).
    AttackConfigError
        ``confidence`` outside (0, 1).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> bound = empirical_epsilon(rng.normal(1, 1, 5000), rng.normal(0, 1, 5000), delta=1e-5)
    >>> 0 < bound.epsilon_lower_bound < 3, bound.direction
    (True, 'tpr/fpr')
    """
    check_delta(delta)
    if not 0 < confidence_level < 1:
        raise AttackConfigError("confidence", "a probability in (0, 1), e.g. 0.95",
                                repr(confidence_level), "pass confidence=0.95")
    pos = np.asarray(member_scores, dtype=np.float64).ravel()
    neg = np.asarray(nonmember_scores, dtype=np.float64).ravel()
    m, n = len(pos), len(neg)
    # direction 1: thresholds from non-member scores, test "member iff score > t"
    t1, tp1, fp1, c1 = _direction_candidates(pos, neg)
    # direction 2: thresholds from member scores, test "non-member iff -score > -t"
    t2, tn2, fn2, c2 = _direction_candidates(-neg, -pos)
    n_candidates = len(t1) + len(t2)
    error = (1 - confidence_level) / (2 * max(n_candidates, 1))
    lower1, upper1 = _one_sided_bounds(tp1, m, c1, n, error)
    lower2, upper2 = _one_sided_bounds(tn2, n, c2, m, error)
    with np.errstate(divide="ignore", invalid="ignore"):
        eps1 = np.where(lower1 > delta, np.log((lower1 - delta) / upper1), -np.inf)
        eps2 = np.where(lower2 > delta, np.log((lower2 - delta) / upper2), -np.inf)
    best1 = int(np.argmax(eps1)) if len(eps1) else -1
    best2 = int(np.argmax(eps2)) if len(eps2) else -1
    e1 = eps1[best1] if best1 >= 0 else -np.inf
    e2 = eps2[best2] if best2 >= 0 else -np.inf
    common = dict(delta=float(delta), confidence_level=float(confidence_level), n_members=m, n_nonmembers=n,
                  n_candidates=int(n_candidates), bound_error=float(error))
    if max(e1, e2) <= 0:
        return EmpiricalEpsilon(epsilon_lower_bound=0.0, direction="none",
                                threshold=float("nan"), true_positives=0, false_positives=0,
                                rate_lower=0.0, rate_upper=1.0, **common)
    if e1 >= e2:
        return EmpiricalEpsilon(
            epsilon_lower_bound=float(e1), direction="tpr/fpr", threshold=float(t1[best1]),
            true_positives=int(tp1[best1]), false_positives=int(fp1[best1]),
            rate_lower=float(lower1[best1]), rate_upper=float(upper1[best1]), **common)
    # in direction 2 "non-member iff score < t": members above or at t are the true positives
    return EmpiricalEpsilon(
        epsilon_lower_bound=float(e2), direction="tnr/fnr", threshold=float(-t2[best2]),
        true_positives=int(m - fn2[best2]), false_positives=int(n - tn2[best2]),
        rate_lower=float(lower2[best2]), rate_upper=float(upper2[best2]), **common)


def check_delta(delta: float) -> None:
    """Raise :class:`InvalidDeltaError` unless ``0 < delta < 1``."""
    if isinstance(delta, bool) or not isinstance(delta, (int, float, np.floating)) or not (
            0 < float(delta) < 1):
        raise InvalidDeltaError(
            "delta", "a number in the open interval (0, 1), below 1/N of the training set",
            repr(delta), "pass the delta of the accountant's epsilon, e.g. delta=1e-5")
