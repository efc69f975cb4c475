"""Regression: the Poisson sampler shared the noise generator, which lives on the model's
device; on CUDA, opacus's sampler (which draws on the CPU) then failed."""

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from audit.models import TabularMLP
from audit.privacy import PrivacyConfig, make_private_training


def _private(device):
    model = TabularMLP(4, (8,)).to(device)
    data = TensorDataset(torch.randn(256, 4), torch.randint(0, 2, (256,)))
    return make_private_training(model, torch.optim.SGD(model.parameters(), lr=0.1),
                                 DataLoader(data, batch_size=32), epochs=1,
                                 privacy=PrivacyConfig(noise_multiplier=1.0, delta=1e-4))


def test_sampler_draws_from_its_own_cpu_generator():
    private = _private("cpu")
    try:
        sampler_gen = private.loader.batch_sampler.generator
        assert sampler_gen is not private.optimizer.generator
        assert sampler_gen.device.type == "cpu"
    finally:
        private.close()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_dp_training_on_cuda_with_poisson_sampling():
    private = _private("cuda")
    try:
        for xb, yb in private.loader:
            private.optimizer.zero_grad()
            private.loss_fn(private.model(xb.cuda()), yb.cuda(), None).backward()
            private.optimizer.step()
        assert private.steps == len(private.loader)
    finally:
        private.close()
