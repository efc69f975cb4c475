"""Disparity verdicts, what-if thresholds, the section and its JSON round trip."""

import math

import numpy as np
import pytest
from pydantic import TypeAdapter

from audit.fairness import (
    FairnessAuditConfig,
    FairnessInputError,
    FairnessSection,
    GroupCounts,
    audit_fairness,
    group_fairness,
    what_if_thresholds,
)
from audit.fairness._config import DisparityThresholds
from audit.fairness._partition import counts_at_threshold
from tests.unit.fairness._data import synthetic

CONFIG = FairnessAuditConfig(bootstrap_replicates=200, score_bootstrap_replicates=20)


def test_disparities_name_worst_and_best_groups_and_judge_against_limits():
    y, pred, score, groups = synthetic()
    pf = group_fairness(y, pred, y_score=score, sensitive_features=groups[["sex"]],
                        config=CONFIG)
    by_name = {d.name: d for d in pf.disparities}
    assert list(by_name) == ["demographic_parity_difference", "demographic_parity_ratio",
                             "equalized_odds_difference", "equalized_odds_ratio",
                             "equal_opportunity_difference", "four_fifths_rule"]
    sel = {g.group: g.metrics["selection_rate"].value for g in pf.groups}
    dp = by_name["demographic_parity_difference"]
    assert (dp.worst_group, dp.best_group) == ("Female", "Male")
    assert dp.value == pytest.approx(sel["Male"] - sel["Female"], abs=1e-15)
    assert dp.kind == "difference" and dp.limit == 0.1
    assert dp.verdict == ("pass" if dp.value <= 0.1 else "fail")
    ff = by_name["four_fifths_rule"]
    assert ff.value == pytest.approx(sel["Female"] / sel["Male"]) and ff.kind == "ratio"
    assert ff.verdict == ("pass" if ff.value >= 0.8 else "fail")
    strict = group_fairness(y, pred, sensitive_features=groups[["sex"]], config=CONFIG.model_copy(
        update={"thresholds": DisparityThresholds(demographic_parity_difference=1.0)}))
    dp2 = strict.disparities[0]
    assert dp2.verdict == "pass" and dp2.conclusive


def test_disparity_undefined_with_fewer_than_two_defined_groups():
    y = np.array([0, 0, 1, 1])
    pf = group_fairness(y, [0, 1, 1, 0], sensitive_features={"g": ["a", "a", "b", "b"]},
                        config=FairnessAuditConfig(bootstrap_replicates=0))
    eo = next(d for d in pf.disparities if d.name == "equal_opportunity_difference")
    assert math.isnan(eo.value) and eo.verdict == "undefined" and not eo.conclusive
    assert eo.undefined_reason == "fewer than two groups where the true positive rate is defined"
    assert eo.excluded_groups == ("a",)


def test_what_if_at_the_audit_threshold_reproduces_the_audit():
    y, _, score, groups = synthetic()
    pf = group_fairness(y, y_score=score, sensitive_features=groups[["sex", "race"]],
                        config=CONFIG)
    same = what_if_thresholds(pf, 0.5)
    for a, b in zip(pf.groups, same.groups):
        assert a.confusion == b.confusion
        assert a.metrics["accuracy"].value == b.metrics["accuracy"].value
    for a, b in zip(pf.disparities, same.disparities):
        assert a.value == b.value or (math.isnan(a.value) and math.isnan(b.value))


def test_what_if_per_group_thresholds_equal_direct_counting():
    y, _, score, groups = synthetic()
    pf = group_fairness(y, y_score=score, sensitive_features=groups[["sex"]], config=CONFIG)
    moved = what_if_thresholds(pf, {"Female": 0.3, "Male": 0.62})
    t = np.where(groups.sex == "Female", 0.3, 0.62)
    direct = GroupCounts.from_predictions(y, (score >= t).astype(int), groups[["sex"]])
    assert [g.confusion for g in moved.groups] == [tuple(c.ravel()) for c in direct.counts]
    assert moved.disparities[0].value == pytest.approx(
        direct.disparities()["demographic_parity_difference"], abs=1e-15)
    # a threshold of 1.0 still predicts positive for scores equal to 1.0
    top = counts_at_threshold(pf.histogram, np.array([1.0, 1.0]))
    assert top[:, :, 1].sum() == int((score >= 1.0).sum())


def test_what_if_is_exact_at_every_two_decimal_threshold_on_decile_scores():
    rng = np.random.default_rng(3)
    n = 4000
    groups = {"g": rng.choice(["a", "b", "c"], n)}
    score = rng.integers(0, 11, n) / 10  # decile scores: 0.7 is exactly a score and an edge
    y = (rng.random(n) < score).astype(int)
    pf = group_fairness(y, y_score=score, sensitive_features=groups, config=CONFIG)
    for i in range(101):
        t = float(f"{i / 100:.2f}")  # the threshold as a person types it
        moved = what_if_thresholds(pf, t)
        direct = GroupCounts.from_predictions(y, (score >= t).astype(int), groups)
        assert [g.confusion for g in moved.groups] == [tuple(c.ravel()) for c in direct.counts], t
        want = direct.disparities()
        constant = t == 0.0  # every row predicted positive: no disparity is defined
        for d in moved.disparities:
            if constant:
                assert math.isnan(d.value) and "constant predictor" in d.undefined_reason
                continue
            assert d.value == want[d.name] or (math.isnan(d.value) and math.isnan(want[d.name]))
    dp = next(d for d in what_if_thresholds(pf, 0.7).disparities
              if d.name == "demographic_parity_difference")
    assert dp.interval is not None and dp.interval.low <= dp.value <= dp.interval.high


def test_histograms_written_before_the_bin_of_one_still_answer():
    from audit.result._fairness import ScoreHistogram

    # schema 1.0: linspace edges, 4 bins, the last holding 1.0; group 0 / label 1 has one row
    # per bin, the last at exactly 1.0
    old = ScoreHistogram(bin_edges=tuple(np.linspace(0, 1, 5).tolist()),
                         counts=(((0, 0, 0, 0), (1, 1, 1, 1)),))
    counts = counts_at_threshold(old, np.array([0.5]))
    assert counts[0, 1].tolist() == [2, 2]  # rows below 0.5, rows at or above
    assert counts_at_threshold(old, np.array([1.0]))[0, 1].tolist() == [4, 0]


def test_what_if_refuses_a_threshold_between_bin_edges():
    y, _, score, groups = synthetic(n=300)
    pf = group_fairness(y, y_score=score, sensitive_features=groups[["sex"]], config=CONFIG)
    assert what_if_thresholds(pf, 0.1 + 0.2).groups  # 0.30000000000000004 is the edge 0.3
    with pytest.raises(FairnessInputError, match="bin edges"):
        what_if_thresholds(pf, 0.705)


def test_section_round_trips_json_exactly_and_reads_plainly():
    y, _, score, groups = synthetic(n=1500, empty_positive_group=True)
    section = audit_fairness(y, score, groups, config=CONFIG, positive_label=">50K")
    assert [p.name for p in section.partitions] == ["sex", "race", "sex x race"]
    adapter = TypeAdapter(FairnessSection)
    text = adapter.dump_json(section)
    assert b"NaN" in text  # undefined metrics survive as NaN, with their reasons
    assert adapter.dump_json(adapter.validate_json(text)) == text
    reading = " ".join(section.reading)
    assert "sex: the model predicts >50K for" in reading
    assert "undefined and shown as such, not as 0" in reading
    assert section.bootstrap_replicates == 200


def test_intersections_can_be_chosen_or_turned_off():
    y, _, score, groups = synthetic(n=500)
    cfg = CONFIG.model_copy(update={"intersections": []})
    assert [p.name for p in audit_fairness(y, score, groups, config=cfg).partitions] == [
        "sex", "race"]
    cfg = CONFIG.model_copy(update={"sensitive_features": ["race"],
                                    "intersections": [["race", "sex"]]})
    assert [p.name for p in audit_fairness(y, score, groups, config=cfg).partitions] == [
        "race", "race x sex"]
