"""Entry points the config-driven runner calls for the fairness audit."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from audit.fairness._config import FairnessAuditConfig
    from audit.data import TabularDataset
    from audit.result import FairnessSection
    from audit.training import Callback


def training_callbacks(dataset: "TabularDataset", config: "FairnessAuditConfig",
                       seed: int) -> "list[Callback]":
    """Callbacks that observe training for this audit (none yet)."""
    return []


def run_audit(dataset: "TabularDataset", model: "torch.nn.Module", config: "FairnessAuditConfig",
              seed: int) -> "FairnessSection | None":
    """Run the fairness audit on a trained model (not implemented yet: returns None)."""
    return None
