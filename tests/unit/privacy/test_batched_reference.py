"""Reference models trained together equal their separately trained twins (same seeds)."""

import numpy as np
import pytest
import torch
from torch.utils.data import TensorDataset

from audit.dp import PrivacyConfig
from audit.models import TabularMLP
from audit.privacy._attacks import _subset, make_reference_trainer, membership_inference_audit
from audit.privacy._batched import batched_unsupported_reason, train_batched


def pool(n=300, width=6, weights=False):
    g = torch.Generator().manual_seed(0)
    X = torch.randn(n, width, generator=g)
    y = (X[:, 0] + 0.3 * torch.randn(n, generator=g) > 0).long()
    if weights:
        return TensorDataset(X, y, torch.rand(n, generator=g) + 0.5)
    return TensorDataset(X, y)


def subsets(n=300, k=3):
    rng = np.random.default_rng(0)
    # sizes 135, 139, 155: with batch 45 the models have 3, 4 and 4 batches per epoch, so the
    # masked (no-update) steps are exercised
    return [np.flatnonzero(rng.random(n) < 0.5) for _ in range(k)]


def max_difference(a, b):
    return max((x - y).abs().max().item() for x, y in zip(a.state_dict().values(),
                                                         b.state_dict().values()))


@pytest.mark.parametrize("optimizer", ["adam", "adamw", "sgd"])
@pytest.mark.parametrize("dropout", [0.0, 0.2])
def test_each_batched_model_equals_its_twin(optimizer, dropout):
    data, subs, seeds = pool(), subsets(), [11, 22, 33]
    settings = {"epochs": 3, "batch_size": 45, "optimizer": optimizer, "learning_rate": 0.01,
                "weight_decay": 0.01}

    def build():
        return TabularMLP(6, (16, 8), dropout=dropout)

    models = train_batched(build, data, subs, seeds, **settings)
    twin = make_reference_trainer(build, **settings)
    assert [len(s) for s in subs] == [135, 139, 155]
    for model, idx, seed in zip(models, subs, seeds):
        assert max_difference(model, twin(_subset(data, idx), seed)) < 1e-6


def test_sample_weights_and_plain_sequential_with_tanh():
    data, subs, seeds = pool(weights=True), subsets(), [1, 2, 3]

    def build():
        return torch.nn.Sequential(torch.nn.Linear(6, 10), torch.nn.Tanh(), torch.nn.Dropout(0.1),
                                   torch.nn.Linear(10, 2))

    settings = {"epochs": 2, "batch_size": 32, "learning_rate": 0.01}
    models = train_batched(build, data, subs, seeds, **settings)
    twin = make_reference_trainer(build, **settings)
    for model, idx, seed in zip(models, subs, seeds):
        assert max_difference(model, twin(_subset(data, idx), seed)) < 1e-6



def test_census_sized_models_equal_their_twins_bit_for_bit():
    """At the census MLP's widths (108 inputs, 128 and 64 hidden, batch 256) MKL runs the same
    kernels batched and one by one, and ragged last batches are never padded, so after two
    epochs with dropout every parameter is bitwise its twin's (the tiny layers above differ by
    rounding: MKL's small-matrix gemm kernels differ from its batched ones)."""
    data = pool(n=1300, width=108)
    rng = np.random.default_rng(1)
    subs = [np.flatnonzero(rng.random(1300) < share) for share in (0.45, 0.5, 0.62)]
    settings = {"epochs": 2, "batch_size": 256, "learning_rate": 1e-3}

    def build():
        return TabularMLP(108, (128, 64), dropout=0.1)

    assert len({len(s) % 256 for s in subs}) == 3  # three different ragged last batches
    models = train_batched(build, data, subs, [5, 6, 7], **settings)
    twin = make_reference_trainer(build, **settings)
    for model, idx, seed in zip(models, subs, [5, 6, 7]):
        assert max_difference(model, twin(_subset(data, idx), seed)) == 0.0

class Residual(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = torch.nn.Linear(6, 6), torch.nn.Linear(6, 2)

    def forward(self, x):
        return self.b(x + torch.relu(self.a(x)))


def test_unsupported_models_and_dp_fall_back_one_by_one():
    data = pool()
    assert batched_unsupported_reason(TabularMLP(6, (8,)), data, {"epochs": 1}) == ""
    assert "DP-SGD" in batched_unsupported_reason(
        TabularMLP(6, (8,)), data, {"privacy": PrivacyConfig(noise_multiplier=1.0)})
    assert "Sequential" in batched_unsupported_reason(Residual(), data, {})
    trainer = make_reference_trainer(Residual, together=True, epochs=1, batch_size=32)
    subs = subsets(k=2)
    models, how = trainer.train_many(data, subs, [5, 6])
    assert how.startswith("reference models trained one by one")
    for model, idx, seed in zip(models, subs, [5, 6]):
        assert max_difference(model, trainer(_subset(data, idx), seed)) == 0.0


def test_lira_uses_batched_reference_models_and_says_so():
    data = pool(400)
    members = TensorDataset(*(t[:100] for t in data.tensors))
    nonmembers = TensorDataset(*(t[100:200] for t in data.tensors))
    population = TensorDataset(*(t[200:] for t in data.tensors))
    target = make_reference_trainer(lambda: TabularMLP(6, (16,)), epochs=2)(members, 0)
    result = membership_inference_audit(
        target, members, nonmembers, population=population, attacks=("lira_online",),
        train_reference=make_reference_trainer(lambda: TabularMLP(6, (16,)), together=True, epochs=2),
        n_reference=4)
    assert any("trained together" in note for note in result.notes)


def test_reference_models_are_trained_one_by_one_when_asked():
    data = pool()
    trainer = make_reference_trainer(lambda: TabularMLP(6, (8,)), together=False, epochs=1,
                                     batch_size=32)
    subs = subsets(k=2)
    models, how = trainer.train_many(data, subs, [5, 6])
    assert "train_references_together: false" in how
    for model, idx, seed in zip(models, subs, [5, 6]):
        assert max_difference(model, trainer(_subset(data, idx), seed)) == 0.0
