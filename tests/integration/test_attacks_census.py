"""Membership inference on the census MLP: an overfit model leaks, a DP model at epsilon 1
does not, and the empirical epsilon never exceeds the accountant's (about 20 s on one CPU thread)."""

import pytest
import torch

from audit.models import TabularMLP
from audit.privacy._attacks import make_reference_trainer, membership_inference_audit, split_membership
from audit.training import fit, seed_everything

pytestmark = pytest.mark.slow

OVERFIT = {"epochs": 60, "batch_size": 64, "learning_rate": 5e-3}


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def wide(width):
    return TabularMLP(width, (256, 256), dropout=0.0)


def test_overfit_census_model_leaks(adult):
    # members: 1000 random training rows, the only rows the model sees; non-members: 1000 test
    # rows that duplicate no training row
    sets = split_membership(adult.train, adult.test, n=1000, seed=0)
    seed_everything(0)
    model = fit(wide(adult.n_features), sets.members.to_torch(), progress=False, **OVERFIT).model
    result = membership_inference_audit(
        model, sets.members, sets.nonmembers, delta=1e-5, n_reference=4,
        train_reference=make_reference_trainer(lambda: wide(adult.n_features), **OVERFIT))
    loss, online = result.attacks["loss"], result.attacks["lira_online"]
    assert loss.auc_interval.low > 0.52
    assert online.auc > loss.auc and online.auc_interval.low > 0.55
    assert online.tpr_at_fpr["0.01"] >= loss.tpr_at_fpr["0.01"]
    assert set(loss.per_group) == {"sex", "race", "age"}
    assert result.empirical_epsilon.epsilon_lower_bound > 0


def test_dp_census_model_is_close_to_chance_and_below_its_epsilon(adult):
    from audit.dp import PrivacyConfig

    seed_everything(0)
    run = fit(TabularMLP(adult.n_features, (128, 64)), adult.train.to_torch(), epochs=10,
              batch_size=256, privacy=PrivacyConfig(target_epsilon=1.0), progress=False)
    sets = split_membership(adult.train, adult.test, n=5000, seed=0)
    result = membership_inference_audit(run.model, sets.members, sets.nonmembers,
                                        attacks=("loss",), delta=run.privacy.delta)
    loss = result.attacks["loss"]
    assert abs(loss.auc - 0.5) < 0.03
    assert result.empirical_epsilon.epsilon_lower_bound <= run.privacy.epsilon
