"""Issue 19 items 4 and 6 on a real small DP-SGD run of a model the project did not build
(``tests.own_models:build_gated``), on a seeded table where DP costs the minority more
(:func:`tests.own_models.dp_minority`):

- each group's accuracy cost under DP against the non-private twin (reused from the
  privacy-utility curve), with paired bootstrap intervals, its gate, and the rows absent with
  their reason on a run without DP;
- the privacy bounds per checkpoint: one row per epoch, the accountant's epsilon increasing,
  every lower bound at or below it, the last ones equal to the final audit's;
- the report and the dashboard (fairness and privacy pages) show the new tables cell for cell.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from markupsafe import escape

from audit.policy import resolve_metric
from audit.privacy._group_dp_cost import NO_DP_REASON
from audit.result import load_result, save_result
from audit.runner import run_audit
from reports import render_report
from reports.sections import fairness as fairness_view
from reports.sections import privacy as privacy_view
from tests._apptest import open_audit_page
from tests.own_models import dp_minority_config

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:Secure RNG turned off"),
              pytest.mark.filterwarnings("ignore::UserWarning")]
EPOCHS = 5


def _config(folder, privacy: dict | None, audits: dict):
    training = {"epochs": EPOCHS, "batch_size": 128, "learning_rate": 0.02}
    if privacy is not None:
        training["privacy"] = privacy
    return dp_minority_config(folder, training, audits)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    import torch

    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("dp_minority")
    privacy = {"enabled": True, "attacks": ["loss"], "n_audit_members": 1000,
               "utility_curve_epsilons": [4],
               "canaries": {"enabled": True, "mode": "white_box", "m": 100}}
    fairness = {"enabled": True, "bootstrap_replicates": 200, "score_bootstrap_replicates": 0}
    dp = run_audit(_config(folder, {"target_epsilon": 1.0, "max_grad_norm": 1.0},
                           {"privacy": privacy, "fairness": fairness}),
                   output_dir=folder / "dp", progress=False).result
    plain = run_audit(_config(folder, None, {"privacy": {**privacy, "canaries": {},
                                                         "utility_curve_epsilons": [],
                                                         "dp_cost_twin": "train"},
                                             "fairness": fairness}),
                      output_dir=folder / "plain", progress=False).result
    path = save_result(dp, folder / "dp" / "result.json")
    return load_result(path), path, plain


def test_dp_costs_the_minority_more_with_an_interval_that_excludes_zero(runs):
    result, _, _ = runs
    assert {s: r.status for s, r in result.sections.items()} == {"privacy": "ok",
                                                                 "fairness": "ok"}
    cost = result.privacy.group_dp_cost
    assert "privacy-utility curve's non-private run" in cost.twin and not cost.undefined_reason
    rows = {(r.partition, r.group): r for r in cost.rows}
    assert set(rows) == {("group", "big"), ("group", "few"), ("band", "p"), ("band", "q"),
                         *(("group x band", f"{g} & {b}") for g in ("big", "few")
                           for b in ("p", "q"))}
    few, big = rows["group", "few"], rows["group", "big"]
    assert few.n + big.n == 3000 and few.n < big.n / 5
    assert few.cost > big.cost + 0.2
    assert few.cost_interval.low > 0 and few.cost_interval.method == "paired bootstrap"
    assert few.cost_interval.low < few.cost < few.cost_interval.high
    assert few.cost == pytest.approx(few.accuracy_non_private - few.accuracy_private)
    # overall accuracies are the n-weighted means of the groups'
    assert cost.accuracy_private == pytest.approx(
        (few.n * few.accuracy_private + big.n * big.accuracy_private) / 3000)
    gate = resolve_metric(result, "privacy.worst_group_dp_accuracy_cost[group]")
    assert gate.value == few.cost and gate.interval == few.cost_interval
    assert "group=few" in gate.description


def test_a_run_without_dp_has_no_cost_rows_and_says_why(runs):
    _, _, plain = runs
    cost = plain.privacy.group_dp_cost
    assert cost.rows == () and cost.undefined_reason == NO_DP_REASON
    gate = resolve_metric(plain, "privacy.worst_group_dp_accuracy_cost")
    assert math.isnan(gate.value) and "undefined" in gate.description
    assert plain.privacy.checkpoints == ()
    assert not fairness_view.dp_cost_table(plain.privacy)
    html = render_report(plain)
    assert "Not measured: trained without DP" in html


def test_one_checkpoint_per_epoch_lower_bounds_below_the_accountant(runs):
    result, _, _ = runs
    section = result.privacy
    checkpoints = section.checkpoints
    assert [c.epoch for c in checkpoints] == list(range(1, EPOCHS + 1))
    assert [c.final for c in checkpoints] == [False] * (EPOCHS - 1) + [True]
    for name in ("prv", "rdp", "gdp"):
        values = [c.epsilons[name] for c in checkpoints]
        assert np.all(np.diff(values) > 0), name
    assert checkpoints[-1].epsilons["prv"] == pytest.approx(section.spend.epsilons["prv"])
    for c in checkpoints:
        for name, bound in c.bounds.items():
            if bound.undefined_reason:
                assert math.isnan(bound.value)
            else:
                assert 0 <= bound.value <= c.epsilons["prv"], (c.epoch, name)
    first, last = checkpoints[0], checkpoints[-1]
    assert "final model only" in first.bounds["best_attack"].undefined_reason
    loss = section.membership.attacks["loss"].empirical_epsilon.epsilon_lower_bound
    assert last.bounds["loss_attack"].value == loss
    assert last.bounds["best_attack"].value == section.membership.empirical_epsilon.epsilon_lower_bound
    assert last.bounds["canary"].value == section.canary_audit.epsilon_lower_bound
    assert len(section.canary_audit.epoch_bounds) == EPOCHS


def _same(table, shown) -> bool:
    expected = table.frame()
    return (list(shown.columns) == list(expected.columns)
            and expected.astype(str).reset_index(drop=True).equals(
                shown.astype(str).reset_index(drop=True)))


def test_report_shows_both_tables_with_the_meanings(runs):
    result, _, _ = runs
    html = render_report(result)
    fairness = html[html.index('<section id="fairness">'):]
    fairness = fairness[:fairness.index("</section>")]
    table = fairness_view.tables(result.fairness, result.privacy)["dp_cost"]
    assert len(table) == len(result.privacy.group_dp_cost.rows)
    assert "Accuracy cost of DP per group, beside its privacy risk" in fairness
    for row in table:
        assert all(str(row[k]) in fairness for k in ("cost", "cost_interval", "auc"))
    privacy = html[html.index('<section id="privacy">'):html.index('<section id="fairness">')]
    assert "Privacy bounds per checkpoint" in privacy
    for row in privacy_view.tables(result.privacy)["checkpoints"]:
        assert f"<td class=\"num\">{row['prv']}</td>" in privacy
    for sentence in privacy_view.CHECKPOINT_MEANINGS:
        assert str(escape(sentence)) in privacy


@pytest.mark.parametrize("slug, name", [("fairness", "dp_cost"), ("privacy", "checkpoints")])
def test_dashboard_pages_show_the_same_tables(runs, slug, name, monkeypatch):
    pytest.importorskip("streamlit")
    result, path, _ = runs
    view = {"fairness": fairness_view, "privacy": privacy_view}[slug]
    args = (result.fairness, result.privacy) if slug == "fairness" else (result.privacy,)
    table = view.tables(*args)[name]
    assert table
    at = open_audit_page(path, slug, monkeypatch)
    assert not at.exception, at.exception
    assert any(_same(table, d.value) for d in at.dataframe)
