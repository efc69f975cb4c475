"""DP-SGD in the training core: equivalences, clipping correctness, accounting, bad input."""

import copy
import math

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from audit.models import TabularMLP
from audit.privacy import (
    DeltaError,
    PrivacyConfig,
    UnreachableEpsilonError,
    UnsupportedModelError,
    make_private_training,
    prepare_model,
)
from audit.training import Callback, fit, seed_everything


def data(n=512, width=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, width, generator=g)
    y = (X[:, 0] - X[:, 1] > 0).long()
    return TensorDataset(X, y)


def train(privacy=None, *, epochs=2, seed=0, model=None, **kw):
    seed_everything(seed)
    model = model or TabularMLP(6, (16, 8), dropout=0.0)
    return fit(model, data(), epochs=epochs, batch_size=64, privacy=privacy, seed=seed,
               progress=False, **kw)


@pytest.mark.parametrize("mode", ["bookkeeping", "hooks"])
def test_no_noise_and_no_clipping_equals_plain_training(mode):
    plain = train()
    private = train(PrivacyConfig(noise_multiplier=0.0, max_grad_norm=math.inf,
                                  poisson_sampling=False, grad_sample_mode=mode, delta=1e-4))
    for a, b in zip(plain.model.parameters(), private.model.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def per_example_reference(model, X, y, max_grad_norm):
    """Plain loop: each example's gradient, clipped to max_grad_norm, summed."""
    sums = [torch.zeros_like(p) for p in model.parameters()]
    for xi, yi in zip(X, y):
        model.zero_grad()
        torch.nn.functional.cross_entropy(model(xi[None]), yi[None]).backward()
        grads = [p.grad.detach().clone() for p in model.parameters()]
        norm = torch.sqrt(sum(g.pow(2).sum() for g in grads))
        factor = min(1.0, max_grad_norm / (float(norm) + 1e-6))
        for s, g in zip(sums, grads):
            s += factor * g
    return sums


@pytest.mark.parametrize("mode", ["bookkeeping", "hooks", "functorch", "ghost"])
def test_clipped_gradients_equal_a_per_example_loop(mode):
    torch.manual_seed(0)
    base = TabularMLP(6, (16, 8), dropout=0.0)
    X, y = data(64).tensors
    expected = per_example_reference(copy.deepcopy(base), X, y, max_grad_norm=0.05)

    model = copy.deepcopy(base)
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    private = make_private_training(
        model, opt, DataLoader(TensorDataset(X, y), batch_size=64),
        privacy=PrivacyConfig(noise_multiplier=0.0, max_grad_norm=0.05, poisson_sampling=False,
                              grad_sample_mode=mode, delta=1e-3), epochs=1)
    try:
        (xb, yb), = list(private.loader)
        private.optimizer.zero_grad()
        private.loss_fn(private.model(xb), yb, None).backward()
        private.optimizer.step()
        # opacus divides the clipped sum by the expected batch size (64)
        for p, e in zip(model.parameters(), expected):
            torch.testing.assert_close(p.grad * 64, e, rtol=1e-4, atol=1e-6)
    finally:
        private.close()


def test_clipping_actually_clips():
    torch.manual_seed(0)
    model = TabularMLP(6, (16,), dropout=0.0)
    X, y = data(64).tensors
    loose = per_example_reference(copy.deepcopy(model), X, y, max_grad_norm=1e9)
    tight = per_example_reference(copy.deepcopy(model), X, y, max_grad_norm=1e-3)
    total = math.sqrt(sum(float(t.pow(2).sum()) for t in tight))
    assert total <= 64 * 1e-3 + 1e-6 and total < math.sqrt(sum(float(t.pow(2).sum()) for t in loose))


def test_auto_mode_picks_bookkeeping_for_mlp_and_hooks_otherwise():
    from audit.privacy import choose_grad_sample_mode

    assert choose_grad_sample_mode(TabularMLP(4), PrivacyConfig(noise_multiplier=1)) == "bookkeeping"
    with_norm = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.LayerNorm(4), torch.nn.Linear(4, 2))
    assert choose_grad_sample_mode(with_norm, PrivacyConfig(noise_multiplier=1)) == "bookkeeping"
    conv = torch.nn.Sequential(torch.nn.Conv1d(1, 2, 3), torch.nn.Flatten(), torch.nn.Linear(4, 2))
    assert choose_grad_sample_mode(conv, PrivacyConfig(noise_multiplier=1)) == "hooks"
    assert choose_grad_sample_mode(
        TabularMLP(4), PrivacyConfig(noise_multiplier=1, clipping="per_layer")) == "hooks"


def test_epsilon_recorded_every_epoch_and_grows():
    run = train(PrivacyConfig(noise_multiplier=1.0, delta=1e-4), epochs=3)
    eps = [r.metrics["privacy/epsilon"] for r in run.history]
    assert eps == sorted(eps) and eps[0] > 0
    assert set(run.history[-1].metrics) >= {"privacy/epsilon[prv]", "privacy/epsilon[rdp]",
                                            "privacy/epsilon[gdp]"}
    assert run.privacy.epsilon == eps[-1]
    assert run.privacy.steps == 3 * 8


def test_target_epsilon_is_reached_not_exceeded():
    run = train(PrivacyConfig(target_epsilon=2.0, delta=1e-4), epochs=3)
    assert 1.9 <= run.privacy.epsilon <= 2.0 + 1e-6
    assert run.privacy.target_epsilon == 2.0 and run.privacy.noise_multiplier > 0


def test_per_layer_clipping_trains():
    run = train(PrivacyConfig(noise_multiplier=0.5, clipping="per_layer", delta=1e-4))
    assert run.privacy.clipping == "per_layer" and run.privacy.grad_sample_mode == "hooks"


def test_default_delta_is_below_one_over_n():
    run = train(PrivacyConfig(noise_multiplier=1.0))
    assert run.privacy.delta == 1e-4 and run.privacy.delta < 1 / 512
    assert "1/(10 N)" in run.privacy.delta_rule


def test_same_seed_same_private_weights():
    a = train(PrivacyConfig(noise_multiplier=1.0, delta=1e-4))
    b = train(PrivacyConfig(noise_multiplier=1.0, delta=1e-4))
    for pa, pb in zip(a.model.parameters(), b.model.parameters()):
        torch.testing.assert_close(pa, pb, rtol=0, atol=0)


@pytest.mark.parametrize("mode", ["bookkeeping", "hooks"])
def test_no_hooks_remain_after_training(mode):
    run = train(PrivacyConfig(noise_multiplier=1.0, delta=1e-4, grad_sample_mode=mode))
    for module in run.model.modules():
        assert not module._forward_hooks and not module._backward_hooks
        assert not getattr(module, "_forward_pre_hooks", {})
    for p in run.model.parameters():
        assert not hasattr(p, "grad_sample")
    assert type(run.model) is TabularMLP


def test_hooks_removed_after_an_error():
    class Boom(Callback):
        def on_step_end(self, state, control):
            raise RuntimeError("boom")

    seed_everything(0)
    model = TabularMLP(6, (8,))
    with pytest.raises(RuntimeError, match="boom"):
        fit(model, data(), epochs=1, batch_size=64, progress=False, callbacks=[Boom()],
            privacy=PrivacyConfig(noise_multiplier=1.0, delta=1e-4))
    assert all(not m._forward_hooks for m in model.modules())
    assert not hasattr(model, "_rai_bookkeeper")


# --- bad input -------------------------------------------------------------------------

def test_delta_not_below_one_over_n():
    with pytest.raises(DeltaError, match=r"delta < 1/N = 0.00195"):
        train(PrivacyConfig(noise_multiplier=1.0, delta=0.01))


@pytest.mark.parametrize("delta", [0.0, 1.0, -1e-5])
def test_delta_outside_unit_interval(delta):
    with pytest.raises(ValueError, match=r"delta in \(0, 1\)"):
        PrivacyConfig(noise_multiplier=1.0, delta=delta)


def test_unreachable_target_epsilon_says_what_is_reachable():
    with pytest.raises(UnreachableEpsilonError, match=r"noise multiplier 50 already gives"):
        train(PrivacyConfig(target_epsilon=1e-4, delta=1e-4), epochs=50)


@pytest.mark.parametrize("norm", [0.0, -1.0])
def test_non_positive_clipping_norm(norm):
    with pytest.raises(ValueError, match="clipping norm > 0"):
        PrivacyConfig(noise_multiplier=1.0, max_grad_norm=norm)


def test_both_or_neither_noise_source():
    with pytest.raises(ValueError, match="exactly one of noise_multiplier or target_epsilon"):
        PrivacyConfig()
    with pytest.raises(ValueError, match="not both"):
        PrivacyConfig(noise_multiplier=1.0, target_epsilon=1.0)


def bn_model():
    return torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(),
                               torch.nn.Linear(8, 8), torch.nn.BatchNorm1d(8), torch.nn.Linear(8, 2))


def test_model_opacus_rejects_is_refused_with_every_reason():
    with pytest.raises(UnsupportedModelError) as info:
        prepare_model(bn_model(), PrivacyConfig(noise_multiplier=1.0, fix_model=False))
    message = str(info.value)
    assert "2 problems found" in message and "BatchNorm1d(8)" in message
    assert "nn.LayerNorm(8)" in message  # the fix valid for (batch, features) inputs


def test_model_with_batchnorm_is_refused_before_training_even_with_fix_model():
    seed_everything(0)
    with pytest.raises(UnsupportedModelError, match=r"nn\.LayerNorm\(8\)"):
        fit(bn_model(), data(), epochs=1, batch_size=64, progress=False,
            privacy=PrivacyConfig(noise_multiplier=1.0, delta=1e-4))


def test_secure_mode_without_torchcsprng_is_refused_with_fix():
    pytest.importorskip("opacus")
    import importlib.util

    if importlib.util.find_spec("torchcsprng") is not None:
        pytest.skip("torchcsprng is installed")
    with pytest.raises(UnsupportedModelError, match="pip install torchcsprng"):
        train(PrivacyConfig(noise_multiplier=1.0, delta=1e-4, secure_mode=True))


def test_bookkeeping_noise_has_opacus_distribution():
    """grad * B - clipped sum is the Gaussian noise: mean 0, std sigma * C."""
    torch.manual_seed(0)
    base = TabularMLP(6, (64, 32), dropout=0.0)
    X, y = data(64).tensors
    expected = per_example_reference(copy.deepcopy(base), X, y, max_grad_norm=0.5)
    model = copy.deepcopy(base)
    private = make_private_training(
        model, torch.optim.SGD(model.parameters(), lr=0.0),
        DataLoader(TensorDataset(X, y), batch_size=64), epochs=1,
        privacy=PrivacyConfig(noise_multiplier=2.0, max_grad_norm=0.5, poisson_sampling=False,
                              grad_sample_mode="bookkeeping", delta=1e-3))
    try:
        private.optimizer.zero_grad()
        private.loss_fn(private.model(X), y, None).backward()
        private.optimizer.step()
        noise = torch.cat([(p.grad * 64 - e).flatten() for p, e in zip(model.parameters(), expected)])
    finally:
        private.close()
    assert noise.numel() > 2000
    assert float(noise.mean()) == pytest.approx(0.0, abs=0.05)
    assert float(noise.std()) == pytest.approx(2.0 * 0.5, rel=0.05)


def test_users_own_loop_with_make_private_training():
    """The API for a hand-written loop: wrap, train, read epsilon; opacus's accountant hook
    counts every step."""
    seed_everything(0)
    model = TabularMLP(6, (16,), dropout=0.0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    private = make_private_training(model, opt, DataLoader(data(), batch_size=64),
                                    privacy=PrivacyConfig(noise_multiplier=1.0, delta=1e-4),
                                    epochs=2)
    hook = private.optimizer.step_hook
    steps = 0
    try:
        for _ in range(2):
            for xb, yb in private.loader:
                private.optimizer.zero_grad()
                private.loss_fn(private.model(xb), yb, None).backward()
                private.optimizer.step()
                steps += 1
    finally:
        private.close()
    assert private.optimizer.step_hook is hook  # never replaced
    assert private.steps == steps == 16
    assert 0 < private.epsilon() == private.spend().epsilon
    assert not any(m._forward_hooks for m in model.modules())


@pytest.mark.parametrize("mode", ["bookkeeping", "hooks", "ghost"])
def test_empty_poisson_batches_are_noise_steps_the_accountant_counts(mode):
    # expected batch size 1: a Poisson batch is empty with probability (1 - 1/40)^40, about 36%
    seed_everything(0)
    empties = []

    class CountEmpty(Callback):
        def on_step_end(self, state, control):
            empties.append(state.step)

    result = fit(TabularMLP(6, (8,), dropout=0.0), data(n=40), epochs=2, batch_size=1, seed=0,
                 progress=False, callbacks=[CountEmpty()],
                 privacy=PrivacyConfig(noise_multiplier=1.0, max_grad_norm=1.0, delta=1e-3,
                                       grad_sample_mode=mode))
    assert result.privacy.steps == 80  # every drawn batch, empty or not, was accounted
    non_empty = len(empties)  # callbacks see only the steps that had examples
    assert 10 < 80 - non_empty < 50, non_empty
    assert all(math.isfinite(r.metrics["train/loss"]) for r in result.history)
    assert all(torch.isfinite(p).all() for p in result.model.parameters())
