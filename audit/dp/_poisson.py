"""Poisson-sampled loaders that run the steps the noise was planned for.

opacus's ``DPDataLoader.from_data_loader`` samples with rate ``q = 1 / len(loader)`` and runs
``int(1 / q)`` steps per epoch; for a float ``q`` that is one step fewer than ``len(loader)``
for some lengths (``int(1 / (1 / 93)) == 92``), while the noise for a target epsilon is planned
for ``epochs * len(loader)`` steps. The loader here is opacus's, with its sampler told to run
exactly ``len(loader)`` steps, so planned steps, run steps and accounted steps agree.
"""

from __future__ import annotations

import torch
from opacus.data_loader import DPDataLoader
from opacus.utils.uniform_sampler import (
    DistributedUniformWithReplacementSampler,
    UniformWithReplacementSampler,
)
from torch.utils.data import DataLoader


def poisson_loader(loader: DataLoader, *, generator: torch.Generator | None = None,
                   distributed: bool = False) -> DPDataLoader:
    """opacus's Poisson loader over ``loader``'s dataset, ``len(loader)`` steps per epoch.

    Parameters
    ----------
    loader : DataLoader
        The non-private loader; its length ``L`` sets the sampling rate ``1 / L``.
    generator : torch.Generator, optional
        Drives the Poisson draws (opacus's default otherwise).
    distributed : bool
        Use opacus's distributed sampler (each process draws its share of the batch).

    Returns
    -------
    DPDataLoader
        ``len()`` is ``L`` and every epoch yields ``L`` batches (possibly empty).

    Examples
    --------
    >>> from torch.utils.data import TensorDataset
    >>> base = DataLoader(TensorDataset(torch.zeros(93, 2)), batch_size=1)
    >>> dp = poisson_loader(base, generator=torch.Generator().manual_seed(0))
    >>> len(dp), sum(1 for _ in dp), dp.sample_rate == 1 / 93
    (93, 93, True)
    """
    steps = len(loader)
    dp = DPDataLoader.from_data_loader(loader, generator=generator, distributed=distributed)
    sampler = dp.batch_sampler
    # both of opacus's samplers take a step count, which from_data_loader does not pass on
    if isinstance(sampler, DistributedUniformWithReplacementSampler):
        sampler.num_batches = steps
    elif isinstance(sampler, UniformWithReplacementSampler):
        sampler.steps = steps
    return dp
