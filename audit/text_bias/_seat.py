"""Sentence Encoder Association Tests (SEAT; May et al., 2019) on any sentence embedder.

SEAT is WEAT (Caliskan et al., 2017) with every word placed in semantically bleached sentence
templates; the unit of the test is the sentence embedding. The statistic only needs each target
sentence's association ``s(w, A, B) = mean cos(w, a) - mean cos(w, b)``, so a permutation of
the targets costs one sum: thousands of partitions are cheap.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from audit.result import SeatResult
from audit.text_bias._data import weat_word_sets
from audit.text_bias._errors import UnknownSeatTestError


@dataclass(frozen=True)
class SeatTest:
    """A WEAT test: target sets X, Y and attribute sets A, B (names of WEAT word sets)."""

    name: str
    description: str
    x: str
    y: str
    a: str
    b: str


#: Caliskan et al.'s ten WEAT tests, as used by SEAT.
SEAT_TESTS: dict[str, SeatTest] = {t.name: t for t in (
    SeatTest("weat1", "flowers vs insects ~ pleasant vs unpleasant", "flowers", "insects", "pleasant_5",
             "unpleasant_5a"),
    SeatTest("weat2", "instruments vs weapons ~ pleasant vs unpleasant", "instruments", "weapons", "pleasant_5",
             "unpleasant_5a"),
    SeatTest("weat3", "European- vs African-American names ~ pleasant vs unpleasant",
             "european_american_names_5", "african_american_names_5", "pleasant_5", "unpleasant_5b"),
    SeatTest("weat4", "European- vs African-American names (Bertrand & Mullainathan) ~ pleasant vs unpleasant",
             "european_american_names_7", "african_american_names_7", "pleasant_5", "unpleasant_5b"),
    SeatTest("weat5", "European- vs African-American names ~ pleasant vs unpleasant (Nosek)",
             "european_american_names_7", "african_american_names_7", "pleasant_9", "unpleasant_9"),
    SeatTest("weat6", "male vs female names ~ career vs family", "male_names", "female_names", "career",
             "family"),
    SeatTest("weat7", "math vs arts ~ male vs female terms", "math", "arts", "male_terms", "female_terms"),
    SeatTest("weat8", "science vs arts ~ male vs female terms", "science", "arts_2", "male_terms_2",
             "female_terms_2"),
    SeatTest("weat9", "mental vs physical disease ~ temporary vs permanent", "mental_disease",
             "physical_disease", "temporary", "permanent"),
    SeatTest("weat10", "young vs old people's names ~ pleasant vs unpleasant", "young_people_names",
             "old_people_names", "pleasant_9", "unpleasant_9"),
)}

#: SEAT's bleached templates (May et al., 2019): one set for names, one for other words.
NAME_TEMPLATES = ("This is {}.", "That is {}.", "Here is {}.", "There is {}.", "{} is here.", "{} is there.",
                  "{} is a person.", "The person's name is {}.")
WORD_TEMPLATES = ("This is {}.", "That is {}.", "There is {}.", "Here is {}.", "{} is here.", "{} is there.",
                  "It is {}.", "The word is {}.")


def seat_sentences(words: Sequence[str], *, names: bool) -> list[str]:
    """Every word in every bleached template (names use the name templates)."""
    templates = NAME_TEMPLATES if names else WORD_TEMPLATES
    return [t.format(w) for w in words for t in templates]


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


def associations(targets: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``s(w, A, B) = mean_a cos(w, a) - mean_b cos(w, b)`` for each target row ``w``."""
    t = _unit(targets)
    return (t @ _unit(a).T).mean(axis=1) - (t @ _unit(b).T).mean(axis=1)


@dataclass(frozen=True)
class WeatStatistic:
    """The test statistic, effect size and permutation p-value of one association test."""

    statistic: float
    effect_size: float
    p_value: float
    n_permutations: int
    exact: bool


def weat(x: np.ndarray, y: np.ndarray, a: np.ndarray, b: np.ndarray, *, n_permutations: int = 10_000,
         seed: int = 0) -> WeatStatistic:
    """WEAT on embeddings: ``s(X,Y,A,B) = sum_x s(x,A,B) - sum_y s(y,A,B)``, Caliskan's effect
    size (ddof=1) and the one-sided permutation p-value ``P[s(Xi, Yi) >= s(X, Y)]`` over
    equal-size re-partitions of X u Y.

    Exact over every partition when there are at most ``n_permutations`` of them; otherwise
    ``n_permutations`` random partitions with the observed one counted, ``(1 + k) / (1 + n)``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> r = weat(rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), rng.normal(size=(3, 3)),
    ...          rng.normal(size=(3, 3)))
    >>> r.exact, r.n_permutations
    (True, 70)
    """
    sx, sy = associations(x, a, b), associations(y, a, b)
    both = np.concatenate([sx, sy])
    statistic = float(sx.sum() - sy.sum())
    effect = float((sx.mean() - sy.mean()) / both.std(ddof=1))
    n, k = len(both), len(sx)
    total = both.sum()
    # s(Xi, Yi) = sum(Xi) - (total - sum(Xi)): compare subset sums, with a tolerance for ties
    # that floating-point reordering would otherwise break.
    observed = sx.sum() - 1e-12 * max(1.0, abs(total))
    n_partitions = math.comb(n, k)
    if n_partitions <= n_permutations:
        hits = sum(both[list(idx)].sum() >= observed for idx in itertools.combinations(range(n), k))
        return WeatStatistic(statistic, effect, hits / n_partitions, n_partitions, True)
    rng = np.random.default_rng(seed)
    hits, done, chunk = 0, 0, 2048
    while done < n_permutations:
        m = min(chunk, n_permutations - done)
        order = np.argsort(rng.random((m, n)), axis=1)[:, :k]
        hits += int((both[order].sum(axis=1) >= observed).sum())
        done += m
    return WeatStatistic(statistic, effect, (1 + hits) / (1 + n_permutations), n_permutations, False)


def seat(embed: Callable[[Sequence[str]], np.ndarray], tests: Sequence[str], *, n_permutations: int = 10_000,
         seed: int = 0) -> tuple[SeatResult, ...]:
    """Run SEAT tests on a sentence embedder.

    Parameters
    ----------
    embed : callable
        ``embed(sentences) -> (n, d)`` array (e.g. :func:`audit.text_bias.mean_pooled_embedder`).
    tests : sequence of str
        Names from :data:`SEAT_TESTS` (``"weat6"``...).
    n_permutations, seed : int
        Permutation test size and seed (exact when the partitions are fewer).

    Raises
    ------
    UnknownSeatTestError
        A test name is not defined.
    """
    unknown = [t for t in tests if t not in SEAT_TESTS]
    if unknown:
        from audit.errors import suggest

        raise UnknownSeatTestError("seat_tests", f"test names from {', '.join(SEAT_TESTS)}",
                                   ", ".join(map(repr, unknown)),
                                   "use a listed test." + suggest(unknown[0], SEAT_TESTS))
    sets = weat_word_sets()
    out = []
    for i, name in enumerate(tests):
        test = SEAT_TESTS[name]
        sentences = [seat_sentences(sets[s], names="names" in s) for s in (test.x, test.y, test.a, test.b)]
        vectors = [np.asarray(embed(s), dtype=np.float64) for s in sentences]
        r = weat(*vectors, n_permutations=n_permutations, seed=seed + i)
        out.append(SeatResult(test=name, description=test.description, targets=(test.x, test.y),
                              attributes=(test.a, test.b), n_sentences=tuple(len(s) for s in sentences),
                              effect_size=r.effect_size, statistic=r.statistic, p_value=r.p_value,
                              n_permutations=r.n_permutations, exact=r.exact, seed=seed + i))
    return tuple(out)
