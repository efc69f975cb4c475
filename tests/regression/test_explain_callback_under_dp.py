"""Regression: under DP-SGD, opacus hooks the model's layers, and the attribution callback's
backward pass made opacus's hook fail ("IndexError: pop from empty list"). The callback (and
run_audit) now explain a hook-free copy; training itself is unchanged by the callback."""

from __future__ import annotations

import pytest
import torch
from torch.utils.data import TensorDataset

from audit.explain import AttributionCallback, without_hooks
from audit.privacy import PrivacyConfig
from audit.training import fit, seed_everything


def _train(callbacks, mode):
    seed_everything(0)
    X = torch.randn(256, 5)
    y = (X[:, 0] > 0).long()
    model = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    return fit(model, TensorDataset(X, y), epochs=2, batch_size=64, progress=False,
               device="cpu", callbacks=callbacks,
               privacy=PrivacyConfig(noise_multiplier=1.0, grad_sample_mode=mode))


@pytest.mark.parametrize("mode", ["hooks", "auto"])
def test_attribution_callback_under_dp_training(mode):
    callback = AttributionCallback(torch.randn(16, 5), {"a": (0,), "b": (1, 2), "c": (3, 4)},
                                   n_steps=8)
    run = _train([callback], mode)
    assert all("explain/global_importance" in r.details for r in run.history)
    plain = _train([], mode)
    assert [r.metrics["train/loss"] for r in run.history] == [
        r.metrics["train/loss"] for r in plain.history]


def test_without_hooks_leaves_the_original_hooked():
    net = torch.nn.Sequential(torch.nn.Linear(2, 2))
    handle = net[0].register_forward_hook(lambda *args: None)
    copy = without_hooks(net)
    assert copy is not net and not copy[0]._forward_hooks and len(net[0]._forward_hooks) == 1
    torch.testing.assert_close(copy[0].weight, net[0].weight)
    handle.remove()
