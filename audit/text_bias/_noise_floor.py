"""The noise floor of identity-term swaps: how often swapping a word that names no identity
flips the same templates.

A model whose template scores sit near the threshold flips predictions when *any* word
changes; an identity flip rate means something only above the rate at which neutral words
(common adjectives that name no identity and carry no sentiment) flip the same templates.
Templates are the unit that repeats, so every interval is a bootstrap over templates, and the
comparison with the floor is paired (the same resampled templates for both rates).

The percentile bootstrap of a mean under-covers with a dozen clusters (about 91% for a nominal
95% with 12 templates), so intervals use Hesterberg's expanded percentile: the quantiles at
``Phi(+-sqrt(n / (n - 1)) * t_{n-1, alpha/2})`` instead of ``alpha/2`` (Hesterberg, 2015, "What
teachers should know about the bootstrap", The American Statistician 69(4)). Its coverage is
checked by a seeded simulation in ``tests/unit/text_bias/test_noise_floor.py``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import combinations

import numpy as np
from scipy import stats

from audit.result import Interval, NoiseFloor
from audit.text_bias._data import IdentityTerm, fill
from audit.text_bias._errors import EmptyDescriptorsError

#: Common English adjectives that fit "a/an WORD person" and "WORD people", name no identity
#: (none is a HolisticBias descriptor: a test checks it) and carry no sentiment of their own.
NEUTRAL_DESCRIPTORS: tuple[str, ...] = (
    "busy", "hungry", "sleepy", "thirsty", "local", "typical", "ordinary", "average", "random",
    "regular", "early", "nearby", "seated", "waiting", "walking", "reading",
)

#: How an interval over templates is computed (shown beside every interval).
METHOD = "bootstrap over templates (expanded percentile)"
ABOVE, WITHIN, BELOW, UNDEFINED = ("above noise floor (conclusive)", "within noise floor",
                                   "below noise floor (conclusive)", "undefined")


def neutral_terms(words: Sequence[str] = NEUTRAL_DESCRIPTORS) -> list[IdentityTerm]:
    """The neutral words as terms of a pseudo-axis ``neutral`` (one group per word)."""
    if len(set(words)) < 2:
        raise EmptyDescriptorsError("noise_words", "at least two distinct neutral words",
                                    repr(list(words)), "leave noise_words unset for the shipped list")
    return [IdentityTerm("neutral", w, w, f"{'an' if w[:1].lower() in 'aeiou' else 'a'} {w} person",
                         f"{w} people") for w in dict.fromkeys(words)]


def neutral_sentences(templates: Sequence[str], words: Sequence[str] = NEUTRAL_DESCRIPTORS
                      ) -> list[list[str]]:
    """``sentences[t][m]``: template t filled with neutral word m."""
    terms = neutral_terms(words)
    return [[fill(tpl, term) for term in terms] for tpl in templates]


def pair_rates(scores: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Per template (rows of ``scores``, one column per term): the share of pairs of terms whose
    predictions differ, and the mean |score difference| over the pairs."""
    s = np.asarray(scores, dtype=float)
    k = s.shape[1]
    if k < 2:
        nan = np.full(s.shape[0], np.nan)
        return nan, nan
    iu = np.triu_indices(k, 1)
    pred = s >= threshold
    flips = (pred[:, :, None] != pred[:, None, :])[:, iu[0], iu[1]].mean(axis=1)
    change = np.abs(s[:, :, None] - s[:, None, :])[:, iu[0], iu[1]].mean(axis=1)
    return flips, change


def expanded_alpha(n: int, level: float) -> float:
    """The lower quantile of Hesterberg's expanded percentile interval for ``n`` clusters."""
    if n < 2:
        return (1 - level) / 2
    return float(stats.norm.cdf(math.sqrt(n / (n - 1)) * stats.t.ppf((1 - level) / 2, n - 1)))


def template_bootstrap(values: Sequence[np.ndarray], replicates: int, seed: int,
                       level: float = 0.95) -> list[tuple[float, float, float]]:
    """``(mean, low, high)`` of each per-template array, all resampled with the same templates.

    Parameters
    ----------
    values : sequence of numpy.ndarray
        Arrays of one value per template (same length).
    replicates : int
    seed : int
    level : float

    Returns
    -------
    list of (float, float, float)
        NaN everywhere when there are no templates.

    Examples
    --------
    >>> [(round(m, 3), round(lo, 3), round(hi, 3)) for m, lo, hi in
    ...  template_bootstrap([np.array([0.0, 0.1, 0.2, 0.3])], 2000, seed=0)]
    [(0.15, 0.0, 0.3)]
    """
    n = len(values[0]) if values else 0
    if n == 0:
        return [(math.nan, math.nan, math.nan) for _ in values]
    idx = np.random.default_rng(seed).integers(0, n, size=(replicates, n))
    a = expanded_alpha(n, level)
    out = []
    for x in values:
        x = np.asarray(x, dtype=float)
        lo, hi = np.quantile(x[idx].mean(axis=1), [a, 1 - a])
        out.append((float(x.mean()), float(lo), float(hi)))
    return out


def verdict(low: float, high: float) -> str:
    """``above``/``below noise floor (conclusive)`` when the interval of (identity minus
    neutral) excludes 0, ``within noise floor`` when it holds 0, ``undefined`` when NaN."""
    if math.isnan(low) or math.isnan(high):
        return UNDEFINED
    if low > 0:
        return ABOVE
    if high < 0:
        return BELOW
    return WITHIN


def noise_floor(identity_scores: np.ndarray, neutral_scores: np.ndarray, *, words: Sequence[str],
                threshold: float = 0.5, replicates: int = 1000, seed: int = 0,
                level: float = 0.95) -> NoiseFloor:
    """Compare identity-term swaps with neutral-word swaps on the same templates.

    Parameters
    ----------
    identity_scores : numpy.ndarray
        ``(templates, identity terms)`` scores.
    neutral_scores : numpy.ndarray
        ``(templates, neutral words)`` scores on the same templates, in the same order.
    words : sequence of str
        The neutral words (columns of ``neutral_scores``).
    threshold, replicates, seed, level
        Decision threshold, bootstrap replicates, seed and confidence level.

    Returns
    -------
    NoiseFloor

    Examples
    --------
    >>> ident = np.array([[0.9, 0.1], [0.8, 0.2], [0.9, 0.2], [0.7, 0.1]])
    >>> neutral = np.array([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5]])
    >>> floor = noise_floor(ident, neutral, words=["busy", "local"], replicates=500)
    >>> floor.flip_rate, floor.flip_verdict
    (0.0, 'above noise floor (conclusive)')
    """
    f_id, c_id = pair_rates(identity_scores, threshold)
    f_nt, c_nt = pair_rates(neutral_scores, threshold)
    (fi, fi_lo, fi_hi), (fn, fn_lo, fn_hi), (fd, fd_lo, fd_hi), (ci, ci_lo, ci_hi), \
        (cn, cn_lo, cn_hi), (cd, cd_lo, cd_hi) = template_bootstrap(
            [f_id, f_nt, f_id - f_nt, c_id, c_nt, c_id - c_nt], replicates, seed, level)
    n_t, k = neutral_scores.shape

    def iv(lo: float, hi: float) -> Interval:
        return Interval(lo, hi, level, METHOD)

    return NoiseFloor(
        words=tuple(words), n_templates=int(n_t), n_pairs=int(k * (k - 1) // 2 * n_t),
        identity_flip_interval=iv(fi_lo, fi_hi),
        flip_rate=fn, flip_interval=iv(fn_lo, fn_hi),
        flip_difference=fd, flip_difference_interval=iv(fd_lo, fd_hi), flip_verdict=verdict(fd_lo, fd_hi),
        identity_change_interval=iv(ci_lo, ci_hi),
        mean_abs_change=cn, mean_abs_change_interval=iv(cn_lo, cn_hi),
        change_difference=cd, change_difference_interval=iv(cd_lo, cd_hi),
        change_verdict=verdict(cd_lo, cd_hi))


def group_gap_permutation(scores: np.ndarray, groups: Sequence[str], *, n_permutations: int = 10_000,
                          seed: int = 0) -> tuple[float, float, float, bool]:
    """Permutation test of the largest-minus-smallest group mean: are the terms' groups
    exchangeable?

    The statistic is computed as :func:`audit.text_bias.group_scores` does (per template, the
    mean over each group's terms; then the mean over templates). Under the null hypothesis that
    the group labels carry nothing, every assignment of the terms to groups of the same sizes
    is equally likely: exact when there are at most ``n_permutations`` of them, sampled
    (seeded, the observed one counted) otherwise.

    Returns
    -------
    (gap, p_value, floor, exact)
        ``floor`` is the 95th percentile of the gap under the null: the gap that random
        groupings of the same terms reach. ``p_value`` and ``floor`` are NaN when every group
        has one term (relabelling then cannot change the gap: nothing to test).

    Examples
    --------
    >>> s = np.array([[0.9, 0.8, 0.1, 0.2], [0.8, 0.9, 0.2, 0.1]])
    >>> gap, p, floor, exact = group_gap_permutation(s, ["a", "a", "b", "b"])
    >>> round(gap, 2), round(p, 3), exact
    (0.7, 0.333, True)
    """
    s = np.asarray(scores, dtype=float)
    labels = list(dict.fromkeys(groups))
    codes = np.array([labels.index(g) for g in groups])
    sizes = np.bincount(codes, minlength=len(labels))
    if len(labels) < 2 or sizes.max() == 1:  # every relabelling gives the same gap
        gap = float(np.ptp(s.mean(axis=0))) if len(labels) >= 2 else math.nan
        return gap, math.nan, math.nan, True
    term_means = s.mean(axis=0)  # the mean over templates commutes with the group mean

    def gaps(assign: np.ndarray) -> np.ndarray:  # assignments x terms -> gap per assignment
        onehot = assign[:, :, None] == np.arange(len(labels))[None, None, :]
        means = (term_means[None, :, None] * onehot).sum(axis=1) / sizes[None, :]
        return means.max(axis=1) - means.min(axis=1)

    observed = float(gaps(codes[None, :])[0])
    n_total = math.factorial(len(codes)) // math.prod(math.factorial(int(c)) for c in sizes)
    exact = n_total <= n_permutations
    if exact:
        assigns = np.array(list(_assignments(sizes)))
        null = gaps(assigns)
    else:
        rng = np.random.default_rng(seed)
        perm = np.array([rng.permutation(codes) for _ in range(n_permutations - 1)])
        null = np.concatenate([[observed], gaps(perm)])
    p = float(np.mean(null >= observed - 1e-12))
    return observed, p, float(np.quantile(null, 0.95)), exact


def _assignments(sizes: np.ndarray):
    """Every distinct assignment of ``sum(sizes)`` positions to groups of these sizes."""
    n = int(sizes.sum())

    def rec(free: tuple[int, ...], g: int):
        if g == len(sizes) - 1:
            yield {g: free}
            return
        for chosen in combinations(free, int(sizes[g])):
            rest = tuple(i for i in free if i not in chosen)
            for tail in rec(rest, g + 1):
                yield {g: chosen, **tail}

    for parts in rec(tuple(range(n)), 0):
        assign = np.empty(n, dtype=int)
        for g, pos in parts.items():
            assign[list(pos)] = g
        yield assign
