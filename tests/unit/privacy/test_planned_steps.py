"""DP runs the steps its noise was planned for: len(loader) Poisson steps per epoch."""

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from audit.dp import poisson_loader
from audit.models import TabularMLP
from audit.privacy import PrivacyConfig, make_private_training, noise_for_epsilon, prepare_model
from audit.training import seed_everything

#: lengths where opacus's own int(1 / q) runs one step fewer than len(loader)
SHORT = [n for n in range(1, 501) if int(1 / (1 / n)) != n]


def _loader(n_batches, batch_size=1):
    data = TensorDataset(torch.zeros(n_batches * batch_size, 3), torch.zeros(n_batches * batch_size,
                                                                             dtype=torch.long))
    return DataLoader(data, batch_size=batch_size)


def test_opacus_alone_would_run_fewer_steps_for_these_lengths():
    from opacus.data_loader import DPDataLoader

    assert SHORT[:3] == [93, 99, 105]
    assert len(DPDataLoader.from_data_loader(_loader(93))) == 92


def test_poisson_loader_runs_len_loader_steps_for_every_length_to_500():
    g = torch.Generator().manual_seed(0)
    for n in range(1, 501):
        dp = poisson_loader(_loader(n), generator=g)
        assert len(dp) == n and dp.sample_rate == 1 / n, n
    for n in SHORT + [1, 2, 7, 64]:  # iterate where it used to differ (and a few others)
        assert sum(1 for _ in poisson_loader(_loader(n), generator=g)) == n, n


@pytest.mark.parametrize("mode", ["bookkeeping", "hooks"])
def test_planned_steps_equal_run_and_accounted_steps(mode):
    seed_everything(0)
    epochs, privacy = 2, PrivacyConfig(target_epsilon=2.0, delta=1e-4, grad_sample_mode=mode)
    base = _loader(93, batch_size=4)  # 93 batches: opacus's sampler would run 92 per epoch
    model = prepare_model(TabularMLP(3, (4,)), privacy)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    private = make_private_training(model, opt, base, privacy=privacy, epochs=epochs, seed=0)
    try:
        planned = noise_for_epsilon(2.0, 1e-4, 1 / 93, epochs, "prv", steps=epochs * 93)
        assert private.noise_multiplier == planned
        ran = 0
        for _ in range(epochs):
            for x, y in private.loader:
                private.optimizer.zero_grad()
                if len(y):
                    private.loss_fn(private.model(x), y, None).backward()
                else:  # an empty Poisson batch is still a noise step
                    for p in private.optimizer.params:
                        p.grad_sample = p.new_zeros((0, *p.shape))
                private.optimizer.step()
                ran += 1
        assert ran == private.steps == epochs * 93
        assert {q for _, q, _ in private.history} == {1 / 93}
        assert 2.0 - 0.005 <= private.epsilon() <= 2.0
    finally:
        private.close()
