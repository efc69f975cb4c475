"""Regression: the noise for a target epsilon was calibrated for int(epochs / q) steps, which
can be one fewer than the loader runs (75 batches x 3 epochs gave epsilon 1.00095 > 1)."""

import torch
from torch.utils.data import TensorDataset

from audit.models import TabularMLP
from audit.privacy import PrivacyConfig
from audit.training import fit, seed_everything


def test_target_epsilon_is_not_exceeded_when_steps_round_down():
    seed_everything(0)
    data = TensorDataset(torch.randn(600, 4), torch.randint(0, 2, (600,)))
    run = fit(TabularMLP(4, (8,)), data, epochs=3, batch_size=8, progress=False,
              privacy=PrivacyConfig(target_epsilon=1.0, delta=1e-4))
    assert run.privacy.steps == 3 * 75
    assert run.privacy.epsilon <= 1.0
