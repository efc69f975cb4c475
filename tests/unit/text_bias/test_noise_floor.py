"""The noise floor of identity-term swaps: the interval's coverage (seeded simulation), the
verdicts on a threshold-noise scorer and on a biased one, and the group-gap permutation test
against scipy's."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from scipy import stats
from scipy.special import expit

from audit.text_bias import TextBiasConfig, audit_text_model
from audit.text_bias._data import HOLISTIC_BIAS_DIR
from audit.text_bias._noise_floor import (
    ABOVE,
    NEUTRAL_DESCRIPTORS,
    WITHIN,
    group_gap_permutation,
    noise_floor,
    pair_rates,
    template_bootstrap,
)


def test_neutral_words_name_no_holistic_bias_identity():
    descriptors = json.loads((HOLISTIC_BIAS_DIR / "descriptors.json").read_text(encoding="utf-8"))
    names = {(d if isinstance(d, str) else d["descriptor"]).lower()
             for buckets in descriptors.values() for items in buckets.values() for d in items}
    assert len(names) > 500 and not names & set(NEUTRAL_DESCRIPTORS)


class _World:
    """Templates drawn from a population: a template shifts every score (logit ``u``), each
    identity term and neutral word has a fixed effect, and each sentence some noise. The true
    difference of the pairwise flip rates (and mean |score changes|) is the population mean
    over templates, found on 400,000 of them."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.identity = self.rng.normal(0, 0.6, 8)
        self.neutral = self.rng.normal(0, 0.3, 8)
        flips_id, change_id, flips_nt, change_nt = self.draw(400_000)
        self.truth = (np.mean(flips_id - flips_nt), np.mean(change_id - change_nt))

    def scores(self, u: np.ndarray, effects: np.ndarray) -> np.ndarray:
        return expit(u[:, None] + effects[None, :] + self.rng.normal(0, 0.2, (len(u), len(effects))))

    def draw(self, n: int):
        u = self.rng.normal(0, 1, n)
        return (*pair_rates(self.scores(u, self.identity), 0.5), *pair_rates(self.scores(u, self.neutral), 0.5))

    def sample(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        u = self.rng.normal(0, 1, n)
        return self.scores(u, self.identity), self.scores(u, self.neutral)


@pytest.mark.slow  # 2 x 500 simulated audits, ~15 s
@pytest.mark.parametrize("n_templates", [12, 26])  # the default max_templates; all of HolisticBias
def test_difference_interval_covers_the_true_difference_at_its_level(n_templates):
    world = _World(seed=n_templates)
    n_sims, hits = 500, np.zeros(2)
    for s in range(n_sims):
        ident, neutral = world.sample(n_templates)
        floor = noise_floor(ident, neutral, words=list("abcdefgh"), replicates=1000, seed=s)
        for j, iv in enumerate((floor.flip_difference_interval, floor.change_difference_interval)):
            hits[j] += iv.low <= world.truth[j] <= iv.high
    coverage = hits / n_sims
    # 95% nominal; binomial sd at 500 runs is 1 point (the plain percentile bootstrap gets ~91%)
    assert np.all(coverage >= 0.925) and np.all(coverage <= 0.975), coverage


def test_template_bootstrap_is_the_percentile_interval_widened_by_the_t_factor():
    x = np.random.default_rng(0).random(12)
    (mean, low, high), = template_bootstrap([x], 4000, seed=1)
    idx = np.random.default_rng(1).integers(0, 12, size=(4000, 12))
    plain = np.quantile(x[idx].mean(axis=1), [0.025, 0.975])
    assert mean == pytest.approx(x.mean()) and low < plain[0] and high > plain[1]


def _hash(text: str) -> float:
    """A uniform number in [0, 1) fixed by the text (a model that reacts to any word)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big") / 2**64


def test_threshold_noise_is_within_the_noise_floor():
    """Scores at 0.5 +- 0.05 whatever the words: identity swaps flip many predictions, and so do
    neutral swaps; the verdict says so (the issue's out-of-domain classifier, 0.47-0.55)."""
    def scorer(texts):
        return np.array([0.45 + 0.1 * _hash(t) for t in texts])

    cfg = TextBiasConfig(enabled=True, axes=("religion", "gender_and_sex"), seat=False, attributions=False,
                         bootstrap_replicates=500, n_permutations=2000)
    section = audit_text_model(scorer, config=cfg, seed=0)
    for a in section.axes:
        assert a.flip_rate > 0.3 and a.noise.flip_rate > 0.3
        assert a.noise.flip_verdict == WITHIN and a.noise.change_verdict == WITHIN, a.axis
        assert a.noise.flip_difference_interval.low < 0 < a.noise.flip_difference_interval.high
    gender = next(a for a in section.axes if a.axis == "gender_and_sex")
    assert gender.group_gap_verdict == WITHIN and gender.group_gap_p_value > 0.05
    religion = next(a for a in section.axes if a.axis == "religion")  # one descriptor per group
    assert np.isnan(religion.group_gap_p_value) and religion.group_gap_verdict.startswith("undefined")
    assert section.seat_not_run == "disabled in the config (audits.text_bias.seat: false)"
    assert "SEAT was not run: disabled in the config (audits.text_bias.seat: false)." in section.notes


def test_a_term_that_moves_the_score_is_above_the_noise_floor():
    def scorer(texts):
        return np.array([0.3 if "Muslim" in t or "Jewish" in t else 0.6 + 0.05 * _hash(t) for t in texts])

    cfg = TextBiasConfig(enabled=True, axes=("religion",), seat=False, attributions=False,
                         max_descriptors_per_group=40, bootstrap_replicates=500)
    (axis,) = audit_text_model(scorer, config=cfg, seed=0).axes
    assert axis.noise.flip_rate == 0.0 and axis.flip_rate > 0.05
    assert axis.noise.flip_verdict == ABOVE and axis.noise.change_verdict == ABOVE
    assert axis.noise.flip_difference_interval.low > 0


def test_disabled_noise_floor_is_said():
    cfg = TextBiasConfig(enabled=True, axes=("names_gender",), seat=False, attributions=False,
                         noise_floor=False, bootstrap_replicates=50)
    section = audit_text_model(lambda t: np.full(len(t), 0.7), config=cfg)
    assert section.axes[0].noise is None and any("Noise floor not measured" in n for n in section.notes)


def test_group_gap_permutation_equals_scipys_exact_test():
    rng = np.random.default_rng(3)
    scores = rng.random((5, 7))
    groups = ["a", "a", "a", "b", "b", "b", "b"]
    gap, p, floor, exact = group_gap_permutation(scores, groups)
    means = scores.mean(axis=0)
    ref = stats.permutation_test((means[:3], means[3:]), lambda x, y: abs(x.mean() - y.mean()),
                                 permutation_type="independent", alternative="greater", n_resamples=10_000)
    assert exact and gap == pytest.approx(abs(means[:3].mean() - means[3:].mean()))
    assert p == pytest.approx(ref.pvalue) and floor <= np.max(ref.null_distribution) + 1e-12


def test_group_gap_permutation_samples_when_there_are_too_many_groupings():
    scores = np.random.default_rng(4).random((3, 20))
    groups = [g for g in "abcd" for _ in range(5)]
    _, p, floor, exact = group_gap_permutation(scores, groups, n_permutations=500, seed=0)
    again = group_gap_permutation(scores, groups, n_permutations=500, seed=0)
    assert not exact and 0 < p <= 1 and floor > 0 and again[1] == p


def test_gate_metric_reads_the_difference_with_its_interval():
    from audit.policy._metrics import resolve_metric
    from tests.unit.test_result_schema import make_result

    cfg = TextBiasConfig(enabled=True, axes=("religion",), seat=False, attributions=False, bootstrap_replicates=200)
    section = audit_text_model(lambda t: np.array([0.45 + 0.1 * _hash(s) for s in t]), config=cfg)
    value = resolve_metric(make_result().with_section("text_bias", section), "text_bias.flip_rate_above_noise_floor")
    (axis,) = section.axes
    assert value.value == axis.noise.flip_difference and value.interval == axis.noise.flip_difference_interval
    assert "within noise floor" in value.description
