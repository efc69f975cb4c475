"""DP-SGD across processes with torch.distributed and opacus's distributed support.

Launch with ``torchrun`` (gloo on CPUs, NCCL on GPUs); see ``python -m
sample_models.census_income.train_ddp --help`` and the README's "Scaling out" section.
"""

from audit.distributed._context import DistributedContext, init_distributed
from audit.distributed._train import fit_private_distributed

__all__ = ["DistributedContext", "fit_private_distributed", "init_distributed"]
