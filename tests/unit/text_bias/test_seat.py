"""SEAT / WEAT statistics against a brute-force reference written from Caliskan et al.'s formulas."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from audit.text_bias import SEAT_TESTS, UnknownSeatTestError, seat, seat_sentences, weat, weat_word_sets


def _cos(u, v):
    return float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v)))


def _s(w, A, B):
    return np.mean([_cos(w, a) for a in A]) - np.mean([_cos(w, b) for b in B])


def brute_force(X, Y, A, B):
    """Word-by-word loops and every equal-size partition, straight from the paper."""
    sx = [_s(x, A, B) for x in X]
    sy = [_s(y, A, B) for y in Y]
    stat = sum(sx) - sum(sy)
    effect = (np.mean(sx) - np.mean(sy)) / np.std(sx + sy, ddof=1)
    both = list(X) + list(Y)
    hits = total = 0
    for idx in itertools.combinations(range(len(both)), len(X)):
        rest = [i for i in range(len(both)) if i not in idx]
        si = sum(_s(both[i], A, B) for i in idx) - sum(_s(both[i], A, B) for i in rest)
        hits += si >= stat - 1e-12
        total += 1
    return stat, effect, hits / total


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weat_equals_the_brute_force_reference(seed):
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(5, 6)) + 0.3, rng.normal(size=(5, 6))
    A, B = rng.normal(size=(4, 6)) + 0.3, rng.normal(size=(3, 6))
    r = weat(X, Y, A, B, n_permutations=10_000)
    stat, effect, p = brute_force(X, Y, A, B)
    assert r.exact and r.n_permutations == math.comb(10, 5) == 252
    assert r.statistic == pytest.approx(stat, rel=1e-10)
    assert r.effect_size == pytest.approx(effect, rel=1e-10)
    assert r.p_value == pytest.approx(p, abs=1e-12)


def test_swapping_targets_negates_the_effect_and_sampled_p_tracks_exact_p():
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(7, 5)) + 0.2, rng.normal(size=(7, 5))
    A, B = rng.normal(size=(4, 5)) + 0.2, rng.normal(size=(4, 5))
    exact = weat(X, Y, A, B, n_permutations=10_000)  # C(14, 7) = 3432 partitions: exact
    swapped = weat(Y, X, A, B, n_permutations=10_000)
    assert swapped.effect_size == pytest.approx(-exact.effect_size)
    # P[s_i >= s] + P[s_i <= s] = 1 + P[s_i == s], and only the observed partition ties
    assert exact.p_value + swapped.p_value == pytest.approx(1.0 + 1 / 3432, abs=1e-9)
    sampled = weat(X, Y, A, B, n_permutations=2000, seed=0)
    assert not sampled.exact and sampled.n_permutations == 2000
    assert sampled.p_value == pytest.approx(exact.p_value, abs=0.03)
    assert weat(X, Y, A, B, n_permutations=2000, seed=0).p_value == sampled.p_value  # seeded


def test_identical_targets_have_no_association():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(4, 3))
    r = weat(X, X.copy(), rng.normal(size=(3, 3)), rng.normal(size=(3, 3)))
    assert r.statistic == pytest.approx(0.0, abs=1e-12)
    assert r.effect_size == pytest.approx(0.0, abs=1e-9)


def test_seat_runs_every_test_on_the_shipped_word_sets():
    sets = weat_word_sets()
    for test in SEAT_TESTS.values():
        for name in (test.x, test.y, test.a, test.b):
            assert len(sets[name]) >= 6, name
    sentences = seat_sentences(["Amy"], names=True)
    assert sentences[0] == "This is Amy." and len(sentences) == 8

    # An embedder that places career words and male names together: d must be large and positive.
    career, male = set(sets["career"]), set(sets["male_names"])

    def embed(texts):
        out = []
        for t in texts:
            word = t.replace("The person's name is ", "").split()[-1].strip(".") if "is" in t else t
            word = next((w for w in career | male | set(sets["family"]) | set(sets["female_names"]) if w in t), word)
            out.append([1.0, 0.1] if word in career or word in male else [0.1, 1.0])
        return np.array(out)

    (r,) = seat(embed, ["weat6"], n_permutations=500, seed=0)
    assert r.test == "weat6" and r.n_sentences == (64, 64, 64, 64)
    assert r.effect_size > 1.9 and r.p_value < 0.01 and not r.exact


def test_unknown_seat_test_is_a_typed_error():
    with pytest.raises(UnknownSeatTestError, match="weat66"):
        seat(lambda t: np.zeros((len(t), 2)), ["weat66"])
