"""Membership-inference attacks: an overfit model leaks, held-out "members" do not, LiRA maths."""

import numpy as np
import pandas as pd
import pytest
import torch
from pydantic import TypeAdapter
from torch.utils.data import TensorDataset

from audit.models import TabularMLP
from audit.privacy._attacks import (
    MembershipAudit,
    lira_scores,
    logit_confidence,
    loss_scores,
    make_reference_trainer,
    membership_inference_audit,
)
from audit.training import fit, seed_everything

WIDTH = 8
SETTINGS = {"epochs": 60, "batch_size": 64, "learning_rate": 3e-3}


def noisy_data(n, seed):
    """A linear rule with 30% of labels flipped: fitting the flips needs memorisation."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, WIDTH, generator=g)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).long()
    flip = torch.rand(n, generator=g) < 0.3
    return TensorDataset(X, torch.where(flip, 1 - y, y))


def build():
    return TabularMLP(WIDTH, (128, 128), dropout=0.0)


def groups(n, seed):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"sex": rng.choice(["F", "M"], n),
                         "race": rng.choice(["a", "b", "tiny"], n, p=[0.6, 0.38, 0.02])})


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    """Tiny models train ~10x faster on one thread when the CPU is shared."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def overfit(_one_thread):
    members, nonmembers = noisy_data(400, seed=1), noisy_data(400, seed=2)
    seed_everything(0)
    model = fit(build(), members, seed=0, progress=False, **SETTINGS).model
    return model, members, nonmembers


@pytest.fixture(scope="module")
def overfit_audit(overfit):
    model, members, nonmembers = overfit
    return membership_inference_audit(
        model, members, nonmembers, sensitive_members=groups(400, 1),
        sensitive_nonmembers=groups(400, 2), train_reference=make_reference_trainer(
            build, **SETTINGS), n_reference=4, delta=1e-5, seed=0)


def test_overfit_model_leaks_to_every_attack(overfit_audit):
    loss, online = overfit_audit.attacks["loss"], overfit_audit.attacks["lira_online"]
    assert loss.auc > 0.6 and loss.auc_interval.low > 0.55
    assert online.auc > 0.6
    assert overfit_audit.attacks["lira_offline"].auc > 0.6
    # LiRA online matches or beats the loss attack at low FPR
    assert online.tpr_at_fpr["0.01"] >= loss.tpr_at_fpr["0.01"]
    assert overfit_audit.empirical_epsilon.epsilon_lower_bound > 0.3
    assert overfit_audit.n_reference_models == 4 and overfit_audit.lira_variance == "global"


def test_result_shape_and_group_flags(overfit_audit):
    loss = overfit_audit.attacks["loss"]
    assert list(overfit_audit.attacks) == ["loss", "lira_offline", "lira_online"]
    assert set(loss.tpr_at_fpr) == set(loss.tpr_at_fpr_intervals) == {"0.001", "0.01"}
    assert loss.fpr_resolvable == {"0.001": False, "0.01": True}
    assert all(loss.fpr_achieved[k] <= float(k) for k in loss.fpr_achieved)
    assert (loss.n_members, loss.n_nonmembers) == (400, 400)
    assert set(loss.per_group) == {"sex", "race"}
    tiny = loss.per_group["race"]["tiny"]
    assert tiny.n_members + tiny.n_nonmembers < 30
    assert any("small group" in flag for flag in tiny.flags)
    assert sum(g.n_members for g in loss.per_group["sex"].values()) == 400
    for attack in overfit_audit.attacks.values():  # each bound at 1 - 0.05 / 3
        assert attack.empirical_epsilon.confidence_level == pytest.approx(1 - 0.05 / 3)


def test_result_round_trips_through_json(overfit_audit):
    adapter = TypeAdapter(MembershipAudit)
    again = adapter.validate_json(adapter.dump_json(overfit_audit))
    assert adapter.dump_json(again) == adapter.dump_json(overfit_audit)
    assert again.attacks["lira_online"].roc == overfit_audit.attacks["lira_online"].roc


def test_same_seed_same_numbers(overfit):
    model, members, nonmembers = overfit
    trainer = make_reference_trainer(build, epochs=5, batch_size=64)
    runs = [membership_inference_audit(model, members, nonmembers, attacks=("lira_online",),
                                       train_reference=trainer, n_reference=2, seed=3)
            for _ in range(2)]
    a, b = (r.attacks["lira_online"] for r in runs)
    assert (a.auc, a.roc, a.tpr_at_fpr) == (b.auc, b.roc, b.tpr_at_fpr)


def test_heldout_members_give_chance_auc(overfit):
    model, _, _ = overfit
    fake_members, nonmembers = noisy_data(1000, seed=3), noisy_data(1000, seed=4)
    result = membership_inference_audit(model, fake_members, nonmembers, attacks=("loss",),
                                        delta=1e-5)
    loss = result.attacks["loss"]
    assert loss.auc_interval.low < 0.5 < loss.auc_interval.high
    assert result.empirical_epsilon.epsilon_lower_bound == 0.0
    assert np.isnan(result.empirical_epsilon.threshold)  # NaN survives the JSON round trip
    adapter = TypeAdapter(MembershipAudit)
    again = adapter.validate_json(adapter.dump_json(result))
    assert np.isnan(again.empirical_epsilon.threshold)
    assert adapter.dump_json(again) == adapter.dump_json(result)


def test_scores_equal_torch_definitions():
    g = torch.Generator().manual_seed(0)
    logits, labels = torch.randn(50, 3, generator=g) * 5, torch.randint(0, 3, (50,), generator=g)
    ce = torch.nn.functional.cross_entropy(logits.double(), labels, reduction="none")
    np.testing.assert_allclose(loss_scores(logits.double().numpy(), labels.numpy()),
                               -ce.numpy(), rtol=1e-9, atol=1e-14)
    p = torch.softmax(logits.double(), 1)[torch.arange(50), labels]
    np.testing.assert_allclose(logit_confidence(logits.double().numpy(), labels.numpy()),
                               torch.log(p / (1 - p)).numpy(), rtol=1e-9, atol=1e-9)


def test_lira_scores_by_hand():
    # two examples, four reference models; example 0 is IN for models 0 and 2
    ref = np.array([[3.0, 0.0], [1.0, 2.0], [5.0, 1.0], [1.0, 4.0]])
    mask = np.array([[1, 0], [0, 1], [1, 0], [0, 1]], bool)
    target = np.array([4.0, 1.0])
    # means: in (4, 3), out (1, 0.5); pooled within-example std: in sqrt((1+1+1+1)/2),
    # out sqrt((0+0+0.25+0.25)/2), shared by IN and OUT online: sqrt((4 + 0.5) / 4)
    s_out, s_shared = np.sqrt(0.25), np.sqrt(4.5 / 4)
    offline = lira_scores(target, ref, mask, variant="offline", variance="global")
    np.testing.assert_allclose(offline, [(4 - 1) / s_out, (1 - 0.5) / s_out])
    online = lira_scores(target, ref, mask, variant="online", variance="global")
    from scipy.stats import norm
    expected = norm.logpdf(target, [4, 3], s_shared) - norm.logpdf(target, [1, 0.5], s_shared)
    np.testing.assert_allclose(online, expected)
    per_example = lira_scores(target, ref, mask, variant="online", variance="per_example")
    expected = (norm.logpdf(target, [4, 3], [np.sqrt(2), np.sqrt(2)])
                - norm.logpdf(target, [1, 0.5], [1e-12, np.sqrt(0.5)]))
    np.testing.assert_allclose(per_example, expected, rtol=1e-9)
