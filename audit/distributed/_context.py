"""Process-group setup from the environment ``torchrun`` provides."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistributedContext:
    """Where this process stands: its rank, the world size, backend and device.

    ``world_size == 1`` without a process group when not launched by ``torchrun``.
    """

    rank: int
    world_size: int
    local_rank: int
    backend: str | None
    device: torch.device

    @property
    def active(self) -> bool:
        """True when a process group is initialised (launched by torchrun)."""
        return self.backend is not None

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def close(self) -> None:
        """Destroy the process group (a no-op in a single process)."""
        if self.active and dist.is_initialized():
            dist.destroy_process_group()


def init_distributed(device: str = "auto", backend: str | None = None) -> DistributedContext:
    """Join the process group described by torchrun's environment (``RANK``, ``WORLD_SIZE``...).

    Parameters
    ----------
    device : {"auto", "cpu", "cuda"}
        ``auto``: one GPU per process (``cuda:LOCAL_RANK``) when CUDA is present, else the CPU.
    backend : str, optional
        Default: ``nccl`` on GPUs, ``gloo`` on CPUs.

    Returns
    -------
    DistributedContext
        Rank 0 of a world of 1 without a process group when ``WORLD_SIZE`` is not set.
    """
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    use_cuda = torch.cuda.is_available() if device == "auto" else device.startswith("cuda")
    dev = torch.device(f"cuda:{local_rank}") if use_cuda else torch.device("cpu")
    if use_cuda:
        torch.cuda.set_device(dev)
    if "WORLD_SIZE" not in os.environ:
        return DistributedContext(0, 1, 0, None, dev)
    backend = backend or ("nccl" if use_cuda else "gloo")
    if not dist.is_initialized():
        dist.init_process_group(backend=backend)
    return DistributedContext(dist.get_rank(), dist.get_world_size(), local_rank, backend, dev)
