"""Entry points the config-driven runner calls for the explainability audit."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from audit.explain._config import ExplainabilityAuditConfig
    from audit.data import TabularDataset
    from audit.result import ExplainabilitySection
    from audit.training import Callback


def training_callbacks(dataset: "TabularDataset", config: "ExplainabilityAuditConfig",
                       seed: int) -> "list[Callback]":
    """Callbacks that observe training for this audit (none yet)."""
    return []


def run_audit(dataset: "TabularDataset", model: "torch.nn.Module", config: "ExplainabilityAuditConfig",
              seed: int) -> "ExplainabilitySection | None":
    """Run the explainability audit on a trained model (not implemented yet: returns None)."""
    return None
