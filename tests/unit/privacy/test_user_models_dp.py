"""DP-SGD on models the project did not build: BatchNorm refused before training with the valid
replacement, outputs checked after opacus's automatic fix, one-logit (BCE) models, and
``grad_sample_mode: auto`` picking book-keeping for every model the README says it covers."""

from __future__ import annotations

import copy
import math

import pytest
import torch
from opacus.validators import ModuleValidator
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from audit.dp import (
    BatchNormUnderDPError,
    ConstantAfterFixError,
    PrivacyConfig,
    check_outputs_vary,
    choose_grad_sample_mode,
    classification_loss,
    make_private_training,
    prepare_model,
)
from audit.training import Callback, evaluate_loss_accuracy, fit, seed_everything


def table(n=1024, seed=0):
    """Six numeric columns, label = a noisy linear rule (learnable to ~90%)."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 6, generator=g)
    y = (X[:, 0] - X[:, 1] + 0.5 * X[:, 2] + 0.3 * torch.randn(n, generator=g) > 0).long()
    return TensorDataset(X, y)


class HomeMadeMLP(nn.Module):
    """What a user writes: Linear -> norm -> ReLU twice, then a head (one logit or two)."""

    def __init__(self, norm=nn.BatchNorm1d, outputs=2, width=32):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(6, width), norm(width), nn.ReLU(),
                                  nn.Linear(width, width), norm(width), nn.ReLU())
        self.head = nn.Linear(width, outputs)

    def forward(self, x):
        return self.head(self.body(x))


class NumericAndCategorical(nn.Module):
    """Two inputs: numeric floats and integer codes through one embedding per column."""

    def __init__(self, cardinalities=(5, 3), dim=4, outputs=1):
        super().__init__()
        self.embeddings = nn.ModuleList(nn.Embedding(c, dim) for c in cardinalities)
        self.net = nn.Sequential(nn.Linear(6 + dim * len(cardinalities), 16), nn.ReLU(),
                                 nn.Linear(16, outputs))

    def forward(self, numeric, categorical):
        embedded = [e(categorical[:, j]) for j, e in enumerate(self.embeddings)]
        return self.net(torch.cat([numeric, *embedded], dim=1))


class PairDataset(torch.utils.data.Dataset):
    """``((numeric, codes), label)`` rows: the label depends on the first code and x0."""

    def __init__(self, n=512, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.numeric = torch.randn(n, 6, generator=g)
        self.codes = torch.stack([torch.randint(0, 5, (n,), generator=g),
                                  torch.randint(0, 3, (n,), generator=g)], dim=1)
        self.y = ((self.codes[:, 0] >= 3).float() * 2 - 1 + self.numeric[:, 0] > 0).long()

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return (self.numeric[i], self.codes[i]), self.y[i]


PRIVACY = {"noise_multiplier": 0.8, "max_grad_norm": 1.0, "delta": 1e-4}


# -- BatchNorm ---------------------------------------------------------------------------
def test_batchnorm_mlp_is_refused_before_training_with_layernorm_proposed():
    seed_everything(0)
    model = HomeMadeMLP()
    before = copy.deepcopy(model.state_dict())
    started = []

    class Started(Callback):
        def on_fit_start(self, state, control):
            started.append(True)

    with pytest.raises(BatchNormUnderDPError) as info:
        fit(model, table(), epochs=1, batch_size=64, progress=False, callbacks=[Started()],
            privacy=PrivacyConfig(**PRIVACY))
    problems = info.value.problems
    assert [p.where for p in problems] == ["model.body.1", "model.body.4"]
    assert all(p.got == "BatchNorm1d(32) on 2-D inputs" for p in problems)
    assert problems[0].fix.startswith("replace nn.BatchNorm1d(32) at 'body.1' with "
                                      "nn.LayerNorm(32)")
    assert "GroupNorm is not a fix here" in problems[0].fix
    assert isinstance(info.value, ValueError) and "expected no BatchNorm" in str(info.value)
    assert not started  # refused before training started
    for name, value in model.state_dict().items():
        assert torch.equal(value, before[name]), name


@pytest.mark.parametrize("mode", ["auto", "hooks"])
def test_the_suggested_layernorm_mlp_trains_under_dp(mode):
    seed_everything(0)
    run = fit(HomeMadeMLP(norm=nn.LayerNorm), table(), epochs=3, batch_size=64,
              learning_rate=5e-3, progress=False, validation=table(512, seed=1), seed=0,
              privacy=PrivacyConfig(**PRIVACY, grad_sample_mode=mode))
    assert run.privacy.grad_sample_mode == ("bookkeeping" if mode == "auto" else "hooks")
    assert 0.5 < run.privacy.epsilon < 10 and run.privacy.steps == 3 * 16
    assert run.privacy.epsilons["rdp"] >= run.privacy.epsilon * 0.9
    with torch.no_grad():
        logits = run.model(table(512, seed=2).tensors[0])
    assert float(logits.std(dim=0).max()) > 0.1  # outputs vary across rows
    assert run.history[-1].metrics["val/accuracy"] > 0.8


def test_the_issue_groupnorm_model_is_constant_and_the_check_says_so():
    """opacus's own fix of the BatchNorm MLP (GroupNorm(32, 32) on 2-D inputs) outputs its
    bias: the check refuses it and names the replaced layers."""
    torch.manual_seed(0)
    original = HomeMadeMLP().train()
    fixed = ModuleValidator.fix(original)
    sample = table(256).tensors[0]
    with torch.no_grad():
        assert float(fixed.eval()(sample).std(dim=0).max()) < 1e-5
    with pytest.raises(ConstantAfterFixError) as info:
        check_outputs_vary(original, fixed, sample)
    got = info.value.problems[0].got
    assert "body.1: BatchNorm1d(32" in got and "GroupNorm(32, 32" in got and "body.4" in got


class LengthOne(nn.Module):
    """BatchNorm1d on (batch, C, 1): spatial in form, so opacus's GroupNorm is allowed, but a
    length-1 axis leaves one value per group: the fixed model is constant."""

    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(6, 8)
        self.norm = nn.BatchNorm1d(8)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.norm(self.inp(x).unsqueeze(-1)).squeeze(-1))


def test_a_fix_that_leaves_a_constant_model_is_refused_by_prepare_model():
    torch.manual_seed(0)
    with pytest.raises(ConstantAfterFixError, match=r"norm: BatchNorm1d\(8.*GroupNorm\(8, 8"):
        prepare_model(LengthOne().train(), PrivacyConfig(**PRIVACY),
                      sample=table(64).tensors[0])


class SmallConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3, padding=1)
        self.norm = nn.BatchNorm2d(8)
        self.head = nn.Linear(8 * 4 * 4, 2)

    def forward(self, x):
        return self.head(torch.relu(self.norm(self.conv(x))).flatten(1))


def test_batchnorm_on_spatial_inputs_gets_opacus_groupnorm_and_still_varies():
    torch.manual_seed(0)
    images = torch.randn(64, 1, 4, 4)
    fixed = prepare_model(SmallConvNet().train(), PrivacyConfig(**PRIVACY), sample=images)
    assert isinstance(fixed.norm, nn.GroupNorm) and fixed.norm.num_groups == 8
    with torch.no_grad():
        assert float(fixed.eval()(images).std(dim=0).max()) > 0.05
    with pytest.raises(BatchNormUnderDPError, match=r"nn\.GroupNorm\(8, 8\) \(valid here"):
        prepare_model(SmallConvNet().train(), PrivacyConfig(**PRIVACY, fix_model=False),
                      sample=images)


def test_make_private_training_refuses_batchnorm_too():
    model = HomeMadeMLP().train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(BatchNormUnderDPError):
        make_private_training(model, opt, DataLoader(table(), batch_size=64),
                              privacy=PrivacyConfig(**PRIVACY), epochs=1)


# -- one logit -----------------------------------------------------------------------------
def test_single_logit_loss_is_bce_with_logits():
    g = torch.Generator().manual_seed(0)
    logits, labels = torch.randn(50, 1, generator=g), torch.randint(0, 2, (50,), generator=g)
    weights = torch.rand(50, generator=g)
    expected = nn.BCEWithLogitsLoss()(logits[:, 0], labels.float())
    torch.testing.assert_close(classification_loss(logits, labels), expected)
    weighted = nn.BCEWithLogitsLoss(weight=weights)(logits[:, 0], labels.float())
    torch.testing.assert_close(classification_loss(logits, labels, weights), weighted)
    # a one-logit model is the two-logit model with logits (0, z): same loss
    two = torch.cat([torch.zeros_like(logits), logits], dim=1)
    torch.testing.assert_close(classification_loss(two, labels), expected)


def test_single_logit_accuracy_is_read_from_the_sigmoid():
    model = nn.Linear(6, 1)
    data = table(300)
    loss, accuracy = evaluate_loss_accuracy(model, DataLoader(data, batch_size=64),
                                            torch.device("cpu"))
    X, y = data.tensors
    with torch.no_grad():
        z = model(X)[:, 0]
    assert accuracy == pytest.approx(float(((torch.sigmoid(z) >= 0.5).long() == y).float().mean()))
    assert loss == pytest.approx(float(nn.BCEWithLogitsLoss()(z, y.float())), rel=1e-6)


@pytest.mark.parametrize("privacy", [None, "auto", "hooks", "ghost"])
def test_single_logit_model_trains_with_and_without_dp(privacy):
    seed_everything(0)
    config = None if privacy is None else PrivacyConfig(**PRIVACY, grad_sample_mode=privacy)
    run = fit(HomeMadeMLP(norm=nn.LayerNorm, outputs=1), table(), epochs=3, batch_size=64,
              learning_rate=5e-3, progress=False, validation=table(512, seed=1), seed=0,
              privacy=config)
    metrics = run.history[-1].metrics
    assert metrics["val/accuracy"] > 0.8
    assert metrics["train/loss"] < run.history[0].metrics["train/loss"] or privacy is not None
    if privacy is None:
        assert run.privacy is None
    else:
        assert run.privacy.grad_sample_mode == ("bookkeeping" if privacy == "auto" else privacy)
        assert 0 < run.privacy.epsilon < 10 and math.isfinite(run.privacy.epsilon)


def bce_per_example_reference(model, inputs, y, max_grad_norm):
    sums = [torch.zeros_like(p) for p in model.parameters()]
    for i in range(len(y)):
        model.zero_grad()
        row = tuple(t[i:i + 1] for t in inputs)
        logit = model(*row)
        nn.functional.binary_cross_entropy_with_logits(logit[:, 0], y[i:i + 1].float()).backward()
        grads = [p.grad.detach().clone() for p in model.parameters()]
        norm = torch.sqrt(sum(g.pow(2).sum() for g in grads))
        factor = min(1.0, max_grad_norm / (float(norm) + 1e-6))
        for s, g in zip(sums, grads):
            s += factor * g
    return sums


@pytest.mark.parametrize("mode", ["bookkeeping", "hooks", "ghost"])
@pytest.mark.parametrize("kind", ["mlp", "embeddings"])
def test_single_logit_clipped_gradients_equal_a_per_example_loop(mode, kind):
    torch.manual_seed(0)
    if kind == "mlp":
        base = HomeMadeMLP(norm=nn.LayerNorm, outputs=1, width=8)
        X, y = table(48).tensors
        inputs, dataset = (X,), TensorDataset(X, y)
    else:
        base = NumericAndCategorical()
        pairs = PairDataset(48)
        inputs, y, dataset = (pairs.numeric, pairs.codes), pairs.y, pairs
    expected = bce_per_example_reference(copy.deepcopy(base), inputs, y, max_grad_norm=0.05)
    model = copy.deepcopy(base)
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    private = make_private_training(
        model, opt, DataLoader(dataset, batch_size=48),
        privacy=PrivacyConfig(noise_multiplier=0.0, max_grad_norm=0.05, poisson_sampling=False,
                              grad_sample_mode=mode, delta=1e-3), epochs=1)
    try:
        (xb, yb), = list(private.loader)
        xb = tuple(xb) if isinstance(xb, (tuple, list)) else (xb,)
        private.optimizer.zero_grad()
        private.loss_fn(private.model(*xb), yb, None).backward()
        private.optimizer.step()
        for p, e in zip(model.parameters(), expected):
            torch.testing.assert_close(p.grad * 48, e, rtol=1e-4, atol=1e-6)
    finally:
        private.close()


# -- auto mode: what the README says it covers ---------------------------------------------
@pytest.mark.parametrize("model", [
    HomeMadeMLP(norm=nn.LayerNorm, outputs=1), NumericAndCategorical(),
    nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 1))],
    ids=["layernorm-mlp-one-logit", "embeddings-and-linear", "plain-mlp-one-logit"])
def test_auto_picks_bookkeeping_for_the_models_the_readme_lists(model):
    assert choose_grad_sample_mode(model, PrivacyConfig(**PRIVACY)) == "bookkeeping"


def test_two_input_embedding_model_trains_under_dp_with_bookkeeping():
    seed_everything(0)
    run = fit(NumericAndCategorical(), PairDataset(1024), epochs=3, batch_size=64,
              learning_rate=1e-2, progress=False, validation=PairDataset(512, seed=1), seed=0,
              privacy=PrivacyConfig(**PRIVACY))
    assert run.privacy.grad_sample_mode == "bookkeeping"
    assert run.history[-1].metrics["val/accuracy"] > 0.75
    assert 0 < run.privacy.epsilon < 10
