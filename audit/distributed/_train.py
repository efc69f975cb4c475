"""DP-SGD training loop across processes: opacus's ``DPDDP`` + ``DistributedDPOptimizer``.

Every process builds a loader over the *whole* training set with the *global* batch size; opacus's
distributed Poisson sampler draws each step's batch with rate ``batch_size / N`` and gives each
process its share, so the accountant sees the same sampling rate, noise and number of steps
as a single process with the same global batch (and so the same epsilon). Per-example
gradients are clipped locally, summed over processes with ``all_reduce``, and the noise is
added once (by rank 0), so every process applies the same update.
"""

from __future__ import annotations

import time

import torch
from opacus.distributed import DifferentiallyPrivateDistributedDataParallel as DPDDP
from opacus.utils.uniform_sampler import DistributedUniformWithReplacementSampler
from torch.utils.data import DataLoader, Dataset

from audit.distributed._context import DistributedContext
from audit.dp import PrivacyConfig, UnsupportedModelError, make_private_training, prepare_model
from audit.result import EpochRecord
from audit.training import TrainingRun, make_optimizer, seed_everything, to_device, unpack_batch


class _EveryStepSampler(DistributedUniformWithReplacementSampler):
    """opacus's distributed Poisson sampler, yielding empty batches too.

    opacus's version skips a step whose local draw is empty, so processes could run different
    numbers of steps (and wait on each other's ``all_reduce`` forever) and the accountant would
    miss steps; here every process runs ``1 / sample_rate`` steps per epoch.
    """

    def __iter__(self):
        if self.shuffle:
            g = torch.Generator()
            g.manual_seed(self.shuffle_seed + self.epoch)
            indices = torch.randperm(self.total_size, generator=g)
        else:
            indices = torch.arange(self.total_size)
        indices = indices[self.rank:self.total_size:self.num_replicas]
        for _ in range(self.num_batches):
            mask = torch.rand(self.num_samples, generator=self.generator) < self.sample_rate
            yield indices[mask.nonzero(as_tuple=False).reshape(-1)]


def _every_step_loader(loader: DataLoader) -> DataLoader:
    sampler = loader.batch_sampler
    if not isinstance(sampler, DistributedUniformWithReplacementSampler):
        return loader
    every = _EveryStepSampler(total_size=sampler.total_size, sample_rate=sampler.sample_rate,
                              shuffle=sampler.shuffle, shuffle_seed=sampler.shuffle_seed,
                              steps=sampler.num_batches, generator=sampler.generator)
    return DataLoader(loader.dataset, batch_sampler=every, collate_fn=loader.collate_fn,
                      num_workers=loader.num_workers, pin_memory=loader.pin_memory)


def fit_private_distributed(model: torch.nn.Module, train: Dataset, ctx: DistributedContext, *,
                            privacy: PrivacyConfig, epochs: int = 1, batch_size: int = 256,
                            optimizer: str = "adam", learning_rate: float = 1e-3,
                            seed: int = 0) -> TrainingRun:
    """Train ``model`` with DP-SGD on every process of ``ctx``; same result object as ``fit``.

    Parameters
    ----------
    model : torch.nn.Module
        Built identically on every process (rank 0's weights are broadcast anyway).
    train : Dataset
        The whole training set on every process (the sampler shards it).
    ctx : DistributedContext
        From :func:`audit.distributed.init_distributed`; a world of 1 trains in one process.
    privacy : PrivacyConfig
    epochs : int
    batch_size : int
        The *global* expected batch size (summed over processes).

    Returns
    -------
    TrainingRun
        ``privacy`` holds the spend (identical on every process); ``history`` has the
        per-epoch loss on this process's shard, epsilon and ``throughput/examples_per_s``.
    """
    if privacy.grad_sample_mode not in ("auto", "hooks"):
        raise UnsupportedModelError(
            "privacy.grad_sample_mode", "'auto' or 'hooks' (opacus's DistributedDPOptimizer)",
            repr(privacy.grad_sample_mode), "set grad_sample_mode: hooks for distributed runs")
    seed_everything(seed + ctx.rank)  # different Poisson draws per process
    model = prepare_model(model, privacy).to(ctx.device)
    if ctx.active:
        model = DPDDP(model)
    opt = make_optimizer(optimizer, model.parameters(), learning_rate, 0.0)
    loader = DataLoader(train, batch_size=batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    private = make_private_training(model, opt, loader, privacy=privacy, epochs=epochs,
                                    seed=seed)
    private.loader = _every_step_loader(private.loader)
    history: list[EpochRecord] = []
    started = time.perf_counter()
    try:
        for epoch in range(1, epochs + 1):
            epoch_started = time.perf_counter()
            private.model.train()
            loss_sum, seen = 0.0, 0
            for batch in private.loader:
                inputs, labels, weights = unpack_batch(batch)
                inputs, labels = to_device(inputs, ctx.device), labels.to(ctx.device)
                weights = weights.to(ctx.device) if weights is not None else None
                private.optimizer.zero_grad(set_to_none=True)
                if len(labels) == 0:
                    # an empty local Poisson batch still takes part in the step: a zero
                    # clipped sum, the noise (rank 0), the all_reduce and the accountant
                    # (opacus would skip the step and leave the other processes waiting)
                    for p in private.optimizer.params:
                        p.grad_sample = p.new_zeros((0, *p.shape))
                else:
                    out = private.model(**inputs) if isinstance(inputs, dict) else private.model(inputs)
                    loss = private.loss_fn(getattr(out, "logits", out), labels, weights)
                    loss.backward()
                private.optimizer.step()
                loss_sum += float(loss.detach()) * len(labels) if len(labels) else 0.0
                seen += len(labels)
            seconds = time.perf_counter() - epoch_started
            metrics = {"train/loss": loss_sum / max(seen, 1), "epoch/seconds": seconds,
                       "throughput/examples_per_s": seen / seconds if seconds > 0 else 0.0,
                       **private.epsilon_metrics()}
            history.append(EpochRecord(epoch=epoch, metrics=metrics, details={}))
        trained = private.model
        while hasattr(trained, "_module") or isinstance(trained, DPDDP):
            trained = trained._module if hasattr(trained, "_module") else trained.module
        return TrainingRun(model=trained.eval(), history=tuple(history),
                           seconds=time.perf_counter() - started, epochs_completed=len(history),
                           privacy=private.spend())
    finally:
        private.close()
