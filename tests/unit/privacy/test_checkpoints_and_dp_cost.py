"""The per-epoch bound callbacks observe training without changing it, and the per-group DP
cost rows equal their definition (accuracy without DP minus with DP on the group's rows)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch
from torch.utils.data import TensorDataset

from audit.dp import PrivacyConfig
from audit.privacy import ExampleCanaries, LossAttackCheckpoints, checkpoint_table, group_dp_cost
from audit.privacy._attacks import loss_scores
from audit.privacy._canary import CanaryEpochs
from audit.privacy._checkpoints import LOSS_ATTACK_METRIC
from audit.privacy._empirical import empirical_epsilon
from audit.result import CanaryAudit, EpochRecord
from audit.training import fit, seed_everything

pytestmark = pytest.mark.filterwarnings("ignore:Secure RNG turned off")


def _data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(600, 5, generator=g)
    y = (x[:, 0] + 0.3 * torch.randn(600, generator=g) > 0).long()
    return x, y


def _model():
    seed_everything(0)
    return torch.nn.Sequential(torch.nn.Linear(5, 16), torch.nn.ReLU(), torch.nn.Dropout(0.2),
                               torch.nn.Linear(16, 2))


def _train(callbacks, canaries=None):
    x, y = _data()
    return fit(_model(), TensorDataset(x[:400], y[:400]), epochs=3, batch_size=50,
               progress=False, privacy=PrivacyConfig(noise_multiplier=1.0, delta=1e-4),
               callbacks=callbacks, canaries=canaries)


def test_the_loss_attack_callback_does_not_change_training_and_records_the_final_bound():
    x, y = _data()
    members, nonmembers = (x[:200].numpy(), y[:200].numpy()), (x[400:].numpy(), y[400:].numpy())
    callback = LossAttackCheckpoints(members, nonmembers, delta=1e-4)
    plain, observed = _train([]), _train([callback])
    for a, b in zip(plain.model.state_dict().values(), observed.model.state_dict().values()):
        assert torch.equal(a, b)
    assert [r.metrics["train/loss"] for r in plain.history] == \
        [r.metrics["train/loss"] for r in observed.history]
    with torch.no_grad():
        logits = observed.model(torch.as_tensor(np.r_[members[0], nonmembers[0]])).double().numpy()
    scores = loss_scores(logits, np.r_[members[1], nonmembers[1]])
    final = empirical_epsilon(scores[:200], scores[200:], delta=1e-4).epsilon_lower_bound
    assert observed.history[-1].metrics[LOSS_ATTACK_METRIC] == final
    assert len({r.metrics[LOSS_ATTACK_METRIC] for r in observed.history}) >= 1


def test_black_box_canary_epochs_do_not_change_training_and_end_at_the_final_bound():
    def run(with_epochs):
        canaries = ExampleCanaries(60, seed=0)
        epochs = CanaryEpochs(canaries)
        trained = _train([epochs] if with_epochs else [], canaries=canaries)
        return trained, epochs
    (plain, _), (observed, epochs) = run(False), run(True)
    for a, b in zip(plain.model.state_dict().values(), observed.model.state_dict().values()):
        assert torch.equal(a, b)
    bounds = epochs.bounds(observed.canary_audit)
    assert len(bounds) == 3 and bounds[-1] == observed.canary_audit.epsilon_lower_bound


def test_checkpoint_rows_say_why_a_bound_is_undefined():
    history = [EpochRecord(e, {"privacy/epsilon[prv]": e / 2, "privacy/epsilon[rdp]": e,
                               "train/loss": 0.1}) for e in (1, 2, 3)]
    canary = CanaryAudit(mode="white_box", canary="c", m=10, n_included=5, k_plus=1,
                         k_minus=1, n_guesses=2, n_correct=2, epsilon_lower_bound=0.2,
                         max_provable=1.0, delta=1e-5, confidence_level=0.95,
                         epoch_bounds=(0.0, 0.1))
    rows = checkpoint_table(history, membership=None, canary=canary,
                            loss_reason="the loss attack is not among audits.privacy.attacks")
    assert [r.epsilons for r in rows] == [{"prv": 0.5, "rdp": 1.0}, {"prv": 1.0, "rdp": 2.0},
                                          {"prv": 1.5, "rdp": 3.0}]
    assert [r.bounds["canary"].value for r in rows[:2]] == [0.0, 0.1]
    for r in rows:
        assert math.isnan(r.bounds["loss_attack"].value)
        assert r.bounds["loss_attack"].undefined_reason.startswith("the loss attack is not")
        assert "no membership-inference attack" in r.bounds["best_attack"].undefined_reason
    assert math.isnan(rows[2].bounds["canary"].value)  # no bound recorded at epoch 3
    assert checkpoint_table([EpochRecord(1, {"train/loss": 0.3})], membership=None,
                            canary=None) == ()  # not private: no checkpoints


def test_group_cost_rows_equal_their_definition():
    rng = np.random.default_rng(0)
    n = 2000
    groups = pd.DataFrame({"sex": rng.choice(["F", "M"], n, p=[0.2, 0.8]),
                           "race": rng.choice(["a", "b", "c"], n, p=[0.6, 0.38, 0.02])})
    y = rng.integers(0, 2, n)
    plain = np.where(rng.random(n) < 0.9, y, 1 - y)
    private = np.where((groups["sex"] == "F") & (rng.random(n) < 0.3), 1 - plain, plain)
    cost = group_dp_cost(y, private, plain, groups, intersections=[["sex", "race"]], seed=0)
    assert {r.partition for r in cost.rows} == {"sex", "race", "sex x race"}
    labels = (groups["sex"] + " & " + groups["race"]).to_numpy()
    for r in cost.rows:
        mask = (labels if r.partition == "sex x race" else groups[r.partition].to_numpy()) == r.group
        assert r.n == int(mask.sum()) and r.small == (r.n < 50)
        assert r.cost == pytest.approx((plain[mask] == y[mask]).mean() - (private[mask] == y[mask]).mean())
        assert r.cost_interval.low <= r.cost <= r.cost_interval.high
    rows = {(r.partition, r.group): r for r in cost.rows}
    assert rows["sex", "F"].cost_interval.low > 0
    # M's decisions are the same with and without DP: cost 0 exactly, a zero-width interval
    m = rows["sex", "M"]
    assert (m.cost, m.cost_interval.low, m.cost_interval.high) == (0.0, 0.0, 0.0)
