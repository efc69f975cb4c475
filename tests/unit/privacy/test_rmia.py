"""RMIA: the paper's definitions by hand, and its power on an overfit model (seeded table)."""

import numpy as np
import pytest
import torch

from audit.privacy._attacks import make_reference_trainer, membership_inference_audit
from audit.privacy._rmia import rmia_marginal, rmia_scores
from audit.training import fit, seed_everything
from tests.unit.privacy.test_attacks import SETTINGS, build, noisy_data


def test_scores_equal_the_pairwise_definition():
    rng = np.random.default_rng(0)
    px, mx = rng.uniform(0.01, 1, 50), rng.uniform(0.2, 1, 50)
    pz, mz = rng.uniform(0.01, 1, 30), rng.uniform(0.2, 1, 30)
    for gamma in (0.5, 1.0, 2.0):
        lr = (px / mx)[:, None] / (pz / mz)[None, :]  # LR(x, z) for every pair
        assert np.array_equal(rmia_scores(px, mx, pz, mz, gamma=gamma),
                              (lr >= gamma).mean(axis=1))


def test_offline_marginal_is_the_papers_linear_approximation():
    p = np.array([[0.9, 0.4], [0.7, 0.8], [0.5, 0.2]])
    in_mask = np.array([[True, False], [False, False], [False, True]])
    out_mean = np.array([(0.7 + 0.5) / 2, (0.4 + 0.8) / 2])
    assert rmia_marginal(p, in_mask, variant="offline", a=0.3) == pytest.approx(
        0.65 * out_mean + 0.35)
    assert rmia_marginal(p, in_mask, variant="online") == pytest.approx(p.mean(axis=0))


@pytest.fixture(scope="module")
def overfit():
    torch.set_num_threads(1)
    members, nonmembers = noisy_data(400, seed=1), noisy_data(400, seed=2)
    seed_everything(0)
    return fit(build(), members, seed=0, progress=False, **SETTINGS).model, members, nonmembers


@pytest.mark.parametrize("n_reference", [1, 2])
def test_rmia_beats_chance_and_matches_loss_on_an_overfit_model(overfit, n_reference):
    model, members, nonmembers = overfit
    attacks = ("loss", "rmia_offline", "rmia_online")
    result = membership_inference_audit(
        model, members, nonmembers, population=noisy_data(400, seed=3), attacks=attacks,
        train_reference=make_reference_trainer(build, **SETTINGS), n_reference=n_reference,
        delta=1e-5, seed=0)
    loss = result.attacks["loss"]
    for name in attacks[1:]:
        rmia = result.attacks[name]
        assert rmia.auc_interval.low > 0.6, name
        assert set(rmia.tpr_at_fpr) == {"0.001", "0.01"}
        if n_reference == 2:
            assert rmia.auc >= loss.auc - 0.01, (name, rmia.auc, loss.auc)
    assert result.n_reference_models == n_reference
