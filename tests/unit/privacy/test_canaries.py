"""The one-run canary audit on real Adult rows and the census MLP: white-box gradient canaries
through every grad-sample mode of the DP engine stay at or below the accountant's epsilon,
an engine with its noise removed or its clipping disabled is caught, and black-box canaries
find the leakage of a non-private model."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from opacus.optimizers import DPOptimizer
from torch.utils.data import DataLoader, TensorDataset

from audit.data import load_adult
from audit.dp import GradientCanaries, PrivacyConfig, make_private_training
from audit.models import TabularMLP
from audit.privacy import ExampleCanaries
from audit.training import fit, seed_everything

pytestmark = pytest.mark.filterwarnings("ignore:Secure RNG turned off",
                                        "ignore:Full backward hook is firing")

SETTINGS = {"epochs": 2, "batch_size": 256, "optimizer": "adam", "learning_rate": 1e-3,
            "device": "cpu", "progress": False}


@pytest.fixture(scope="module")
def adult():
    dataset = load_adult()
    x, y = dataset.train.to_torch().tensors[:2]
    return dataset.n_features, TensorDataset(x[:6000], y[:6000])


def _run(adult, privacy, canaries, **settings):
    n_features, train = adult
    seed_everything(0)
    model = TabularMLP(n_features, [128, 64], dropout=0.1)
    return fit(model, train, privacy=privacy, canaries=canaries, seed=0,
               **{**SETTINGS, **settings}).canary_audit


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["hooks", "functorch", "ghost", "bookkeeping", "ew"])
def test_white_box_bound_stays_below_the_accountant_in_every_mode(adult, mode):
    audit = _run(adult, PrivacyConfig(target_epsilon=2.0, grad_sample_mode=mode),
                 GradientCanaries(500, seed=0))
    assert audit.mode == "white_box" and audit.grad_sample_mode == mode
    assert audit.m == 500 and audit.n_guesses == 50 and audit.k_plus == audit.k_minus == 25
    assert audit.accountant_epsilon == pytest.approx(2.0, abs=0.05)
    assert audit.epsilon_lower_bound <= audit.accountant_epsilon and audit.consistent
    assert audit.max_provable > audit.accountant_epsilon  # the audit could have caught a break


def test_opacus_modes_release_the_same_canary_gradients(adult):
    """hooks, functorch and ghost draw the same noise in the same order: the canaries (appended
    to opacus's per-example gradients, or clipped by opacus's rule and added in ghost mode)
    must give the same scores; book-keeping draws its noise in one call, so only its bound is
    compared (both far below the accountant)."""
    scores = {}
    for mode in ("hooks", "functorch", "ghost", "bookkeeping"):
        canaries = GradientCanaries(300, seed=0)
        audit = _run(adult, PrivacyConfig(noise_multiplier=0.8, grad_sample_mode=mode),
                     canaries, epochs=1)
        scores[mode] = (canaries.scores, audit)
    for mode in ("functorch", "ghost"):
        np.testing.assert_allclose(scores[mode][0], scores["hooks"][0], rtol=1e-3, atol=1e-3)
        assert scores[mode][1].n_correct == scores["hooks"][1].n_correct
    assert all(a.consistent for _, a in scores.values())


def _no_noise(self):
    for p in self.params:
        p.grad = p.summed_grad.view_as(p).clone()


def _no_clipping(self):
    for p in self.params:
        p.summed_grad = self._get_flat_grad_sample(p).sum(dim=0)


@pytest.mark.parametrize(("method", "broken"), [("add_noise", _no_noise),
                                                ("clip_and_accumulate", _no_clipping)])
def test_a_broken_engine_is_caught(adult, monkeypatch, method, broken):
    """opacus's optimizer with its noise or its clipping removed: the accountant still says
    epsilon 1, the canaries prove more."""
    monkeypatch.setattr(DPOptimizer, method, broken)
    audit = _run(adult, PrivacyConfig(target_epsilon=1.0, grad_sample_mode="hooks"),
                 GradientCanaries(500, seed=0))
    assert audit.epsilon_lower_bound > audit.accountant_epsilon
    assert audit.consistent is False


def test_bookkeeping_without_clipping_is_caught(adult, monkeypatch):
    """The book-keeper's clip rule (shared by the batch and the canaries) made a no-op."""
    import audit.dp._bk_sequence as bk

    monkeypatch.setattr(bk, "clip_factors", lambda norms, c: torch.ones_like(norms))
    audit = _run(adult, PrivacyConfig(target_epsilon=1.0, grad_sample_mode="bookkeeping"),
                 GradientCanaries(500, seed=0))
    assert audit.consistent is False


def test_own_loop_api_and_canaries_that_change_nothing_without_being_drawn(adult):
    """make_private_training(canaries=...) in a hand-written loop; the canaries' coordinates
    are distinct trainable parameters, and about half are included."""
    n_features, train = adult
    seed_everything(0)
    model = TabularMLP(n_features, [32], dropout=0.0)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    canaries = GradientCanaries(300, seed=1)
    private = make_private_training(model, opt, DataLoader(train, batch_size=256),
                                    privacy=PrivacyConfig(noise_multiplier=1.0), epochs=1,
                                    canaries=canaries)
    for x, y in private.loader:
        private.optimizer.zero_grad()
        if len(y):
            private.loss_fn(private.model(x), y, None).backward()
        private.optimizer.step()
    audit = private.canary_audit()
    private.close()
    assert len(set(canaries._where)) == 300 and 120 < canaries.included.sum() < 180
    assert audit.n_included == int(canaries.included.sum()) and canaries.steps == len(private.loader)
    assert 0 <= audit.epsilon_lower_bound <= audit.accountant_epsilon


def test_white_box_needs_dp_and_enough_parameters(adult):
    from audit.dp import UnsupportedModelError
    from audit.errors import RaiAuditError

    with pytest.raises(RaiAuditError, match="white-box"):
        _run(adult, None, GradientCanaries(10))
    with pytest.raises(UnsupportedModelError, match="canaries"):
        n_features, train = adult
        fit(torch.nn.Linear(n_features, 2), train, privacy=PrivacyConfig(noise_multiplier=1.0),
            canaries=GradientCanaries(10_000), **{**SETTINGS, "epochs": 1})


def test_black_box_canaries_leak_from_a_non_private_model(adult):
    """Random-input canaries, 10 epochs without DP: clearly above 0."""
    audit = _run(adult, None, ExampleCanaries(500, seed=0), epochs=10)
    assert audit.mode == "black_box" and audit.accountant_epsilon is None
    assert (audit.k_plus, audit.k_minus) == (0, 50)
    assert audit.consistent is None and audit.delta == 1e-5  # 1 / (10 N), N ~ 6,000
    assert audit.epsilon_lower_bound > 0.5


def test_black_box_training_set_removes_every_canary_row_and_flips_the_included():
    x = torch.arange(40, dtype=torch.float32).reshape(20, 2)
    y = torch.tensor([0, 1] * 10)
    canaries = ExampleCanaries(6, seed=3, kind="flipped_labels")
    mixed = canaries.training_set(TensorDataset(x, y))
    assert len(mixed) == 14 + int(canaries.included.sum())
    cx, cy = canaries.canaries.tensors
    rows = {tuple(r) for r in x.tolist()}
    seen = [tuple(r) for r in mixed.tensors[0].tolist()]
    for i, row in enumerate(map(tuple, cx.tolist())):
        assert row in rows and seen.count(row) == int(canaries.included[i])
        original = int(y[[tuple(r) for r in x.tolist()].index(row)])
        assert int(cy[i]) == 1 - original
    assert np.array_equal(mixed.tensors[1][14:], cy[torch.from_numpy(canaries.included)])


def test_random_input_canaries_are_added_to_the_whole_training_set():
    x, y = torch.randn(50, 3), torch.randint(0, 2, (50,))
    canaries = ExampleCanaries(10, seed=0)
    mixed = canaries.training_set(TensorDataset(x, y))
    assert canaries.kind == "random_inputs" and len(mixed) == 50 + int(canaries.included.sum())
    assert torch.equal(mixed.tensors[0][:50], x)
    assert torch.equal(mixed.tensors[0][50:], canaries.canaries.tensors[0][canaries.included])
