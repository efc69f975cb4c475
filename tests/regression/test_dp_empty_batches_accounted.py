"""Regression: empty Poisson batches were skipped, so the accountant missed those steps."""

import torch
from torch.utils.data import TensorDataset

from audit.models import TabularMLP
from audit.privacy import PrivacyConfig
from audit.training import fit, seed_everything


def test_every_loader_step_is_accounted_even_empty_ones():
    seed_everything(0)
    data = TensorDataset(torch.randn(10, 4), torch.randint(0, 2, (10,)))
    # q = 1/5: a batch is empty with probability 0.8^10 = 11%, so 40 steps meet several
    run = fit(TabularMLP(4, (8,)), data, epochs=8, batch_size=2, progress=False,
              privacy=PrivacyConfig(noise_multiplier=1.0, delta=1e-2))
    assert run.privacy.steps == 8 * 5
