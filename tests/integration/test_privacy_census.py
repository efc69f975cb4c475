"""The privacy claims on the real census data: DP at epsilon 1 leaks little, and no attack
proves more than the accountant allows."""

import pytest

from audit.models import TabularMLP
from audit.privacy import PrivacyConfig
from audit.privacy._attacks import membership_inference_audit, split_membership
from audit.training import fit, seed_everything

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dp_run(adult):
    seed_everything(0)
    return fit(TabularMLP(adult.n_features, dropout=0.0), adult.train.to_torch(), epochs=5,
               learning_rate=2e-3, privacy=PrivacyConfig(target_epsilon=1.0), progress=False)


def test_dp_model_at_epsilon_one_is_accurate_and_accounted(dp_run, adult):
    spend = dp_run.privacy
    assert 0.95 <= spend.epsilon <= 1.0 + 1e-6 and spend.delta == 1e-6
    assert spend.grad_sample_mode == "bookkeeping" and spend.poisson_sampling
    assert spend.epsilons["prv"] <= spend.epsilons["rdp"]
    from audit.models import predict_proba

    accuracy = ((predict_proba(dp_run.model, adult.test.X) >= 0.5) == adult.test.y).mean()
    assert accuracy > 0.82


def test_dp_model_resists_the_loss_attack_and_bound_stays_below_accountant(dp_run, adult):
    split = split_membership(adult.train, adult.test, n=4000, seed=0)
    audit = membership_inference_audit(dp_run.model, split.members, split.nonmembers,
                                       attacks=("loss",), delta=dp_run.privacy.delta, seed=0)
    loss = audit.attacks["loss"]
    assert abs(loss.auc - 0.5) < 0.03
    assert loss.auc_interval.low < 0.5 + 0.03
    assert audit.empirical_epsilon.epsilon_lower_bound <= dp_run.privacy.epsilon


def test_utility_curve_tracks_fairness_each_epoch_at_each_privacy_level(adult):
    import math

    from audit.privacy import privacy_utility_curve

    points = privacy_utility_curve(
        adult, [4.0], build_model=lambda: TabularMLP(adult.n_features, dropout=0.0),
        fit_kwargs={"epochs": 2, "batch_size": 256, "learning_rate": 2e-3}, privacy=None,
        n_audit_members=2000, seed=0)
    assert [p.target_epsilon for p in points] == [4.0, math.inf]
    private, plain = points
    assert 3.9 <= private.epsilon <= 4.0 and plain.epsilon == math.inf
    for point in points:
        assert len(point.fairness_history) == 2
        assert "fairness/demographic_parity_difference[sex]" in point.fairness_history[-1]
        assert {"fairness/accuracy[sex=Female]", "fairness/accuracy[sex=Male]"} <= set(
            point.fairness_history[-1])
    assert plain.accuracy > 0.83 and private.accuracy > 0.8
