"""Entry points the config-driven runner calls for the privacy audit."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from audit.privacy._config import PrivacyAuditConfig
    from audit.data import TabularDataset
    from audit.result import PrivacySection
    from audit.training import Callback


def training_callbacks(dataset: "TabularDataset", config: "PrivacyAuditConfig",
                       seed: int) -> "list[Callback]":
    """Callbacks that observe training for this audit (none yet)."""
    return []


def run_audit(dataset: "TabularDataset", model: "torch.nn.Module", config: "PrivacyAuditConfig",
              seed: int) -> "PrivacySection | None":
    """Run the privacy audit on a trained model (not implemented yet: returns None)."""
    return None
