"""audit.compare: one summary row per run and the privacy-utility-fairness frontier."""

from __future__ import annotations

import dataclasses
import math

import pytest

from audit.compare import NON_PRIVATE_EDGE_FACTOR, compare_runs, frontier_points
from audit.result import FairnessSection, Interval, PrivacySection, PrivacySpend
from audit.result._fairness import Disparity, GroupMetrics, MetricValue, PartitionFairness
from audit.result._membership import AttackResult, MembershipAudit, RocCurve
from audit.result._privacy import UtilityPoint
from tests.unit.test_result_schema import make_result

NAN = float("nan")


def spend(epsilon=1.5, delta=1e-6, accountant="prv"):
    return PrivacySpend(accountant=accountant, epsilon=epsilon, delta=delta, delta_rule="1/N",
                        epsilons={accountant: epsilon, "rdp": epsilon * 1.2},
                        noise_multiplier=1.1, max_grad_norm=1.0, sample_rate=0.01, steps=100,
                        epochs=2, poisson_sampling=True, clipping="flat", grad_sample_mode="hooks")


def attack(name, auc, low=0.0, high=1.0):
    return AttackResult(name=name, description="", auc=auc, auc_interval=Interval(low, high),
                        tpr_at_fpr={"0.01": 0.0}, tpr_at_fpr_intervals={}, fpr_achieved={},
                        fpr_resolvable={}, roc=RocCurve(fpr=(0.0, 1.0), tpr=(0.0, 1.0)),
                        n_members=10, n_nonmembers=10, per_group={})


def membership(*attacks):
    return MembershipAudit(attacks={a.name: a for a in attacks}, n_members=10, n_nonmembers=10,
                           n_nonmembers_dropped=0, n_population=0, n_reference_models=0,
                           lira_variance="none", delta=None, confidence_level=0.95,
                           empirical_epsilon=None, empirical_epsilon_attack="", seconds={})


def point(epsilon, accuracy, dp):
    return UtilityPoint(target_epsilon=epsilon, epsilon=epsilon, noise_multiplier=1.0,
                        accuracy=accuracy, attack_auc=0.51, attack_auc_interval=Interval(0.5, 0.52),
                        fairness_feature="sex", dp_difference=dp, worst_group="Female",
                        worst_group_accuracy=accuracy - 0.05, seconds=1.0)


def group(name, accuracy, small=False):
    return GroupMetrics(group=name, labels=(name,), size=5 if small else 500, small=small,
                        confusion=(1, 1, 1, 1), metrics={"accuracy": MetricValue(accuracy)})


def disparity(value, name="demographic_parity_difference"):
    return Disparity(name=name, value=value, interval=None, worst_group="a", best_group="b",
                     limit=0.1, kind="difference", verdict="pass", conclusive=False)


def partition(name, groups, disparities):
    return PartitionFairness(name=name, features=tuple(name.split(" x ")), groups=tuple(groups),
                             disparities=tuple(disparities))


def fairness():
    return FairnessSection(partitions=(
        partition("sex", [group("Female", 0.91), group("Male", 0.82)],
                  [disparity(0.19), disparity(0.5, "equalized_odds_difference")]),
        partition("race", [group("White", 0.85), group("Other", 0.40, small=True)],
                  [disparity(NAN)]),
        partition("sex x race", [group("Female & White", 0.90), group("Male & Other", 0.70)],
                  [disparity(0.27)]),
    ))


def test_a_result_without_audits_gives_not_run_numbers_and_infinite_epsilon():
    (row,) = compare_runs([make_result()])
    assert (row.name, row.created_at, row.private) == ("r", "2026-01-01T00:00:00+00:00", False)
    assert row.epsilon == math.inf and row.delta is None and row.accountant == ""
    assert (row.accuracy, row.accuracy_low, row.accuracy_high) == (0.6, 0.2, 0.9)
    assert row.attack_auc is None and row.disparity is None and row.worst_group_accuracy is None
    assert row.utility_curve == ()


def test_private_run_with_attacks_and_fairness():
    result = make_result().with_section("privacy", PrivacySection(spend=spend(), membership=membership(
            attack("loss", 0.53, 0.51, 0.55), attack("lira_online", 0.61, 0.58, 0.64),
            attack("lira_offline", NAN)))).with_section("fairness", fairness())
    (row,) = compare_runs([result])
    assert row.private and (row.epsilon, row.delta, row.accountant) == (1.5, 1e-6, "prv")
    assert (row.attack, row.attack_auc, row.attack_auc_low, row.attack_auc_high) == \
        ("lira_online", 0.61, 0.58, 0.64)
    # largest DP difference over partitions (NaN skipped, other disparities ignored)
    assert (row.disparity, row.disparity_partition) == (0.27, "sex x race")
    # lowest accuracy over groups that are not small (race: Other at 0.40 is small)
    assert (row.worst_group_accuracy, row.worst_group) == (0.70, "sex x race: Male & Other")


def test_undefined_metrics_are_nan_not_not_run():
    result = make_result().with_section("privacy", PrivacySection(membership=membership(attack("loss", NAN)))).with_section("fairness", FairnessSection(partitions=(partition("sex", [group("a", 0.3, small=True)],
                                                       [disparity(NAN)]),)))
    (row,) = compare_runs([result])
    assert math.isnan(row.attack_auc) and row.attack == "loss"
    assert math.isnan(row.disparity) and row.disparity_partition == ""
    assert (row.worst_group_accuracy, row.worst_group) == (0.3, "sex: a")  # all small: use them


def test_private_run_without_spend_has_unknown_epsilon_and_no_quality():
    base = make_result()
    meta = dataclasses.replace(base.metadata,
                               training=dataclasses.replace(base.metadata.training, private=True))
    (row,) = compare_runs([dataclasses.replace(base, metadata=meta, quality=None)])
    assert row.private and row.epsilon is None and row.accuracy is None
    assert frontier_points([row]) == []


def test_frontier_has_run_and_curve_points_with_non_private_at_the_right_edge():
    curve = (point(1.0, 0.80, 0.05), point(8.0, 0.84, 0.12), point(math.inf, 0.85, 0.18))
    private = make_result().with_section("privacy", PrivacySection(
        spend=spend(epsilon=2.0), utility_curve=curve))
    public = make_result().with_section("fairness", fairness())
    rows = compare_runs([private, public])
    points = frontier_points(rows, ["dp/result.json", "plain/result.json"])
    edge = NON_PRIVATE_EDGE_FACTOR * 8.0
    assert [(p.run, p.source, p.epsilon, p.plot_epsilon, p.accuracy) for p in points] == [
        ("dp/result.json", "run", 2.0, 2.0, 0.6),
        ("dp/result.json", "utility curve", 1.0, 1.0, 0.80),
        ("dp/result.json", "utility curve", 8.0, 8.0, 0.84),
        ("dp/result.json", "utility curve", math.inf, edge, 0.85),
        ("plain/result.json", "run", math.inf, edge, 0.6),
    ]
    assert math.isnan(points[0].disparity) and math.isnan(points[0].attack_auc)
    assert [p.disparity for p in points[1:]] == [0.05, 0.12, 0.18, 0.27]
    assert points[1].attack_auc == 0.51


def test_frontier_defaults_to_run_names_and_checks_labels():
    rows = compare_runs([make_result()])
    (only,) = frontier_points(rows)
    assert only.run == "r" and only.plot_epsilon == 10.0  # no finite epsilon at all
    with pytest.raises(ValueError, match="one label per run"):
        frontier_points(rows, ["a", "b"])


def test_summaries_are_frozen():
    (row,) = compare_runs([make_result()])
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.epsilon = 1.0
