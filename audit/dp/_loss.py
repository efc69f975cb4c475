"""The training loss the trainer and the DP engine share: cross-entropy with sample weights."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def weighted_cross_entropy(logits: torch.Tensor, labels: torch.Tensor,
                           weights: torch.Tensor | None) -> torch.Tensor:
    """Mean cross-entropy, each example scaled by its sample weight when given."""
    losses = F.cross_entropy(logits, labels, reduction="none")
    if weights is None:
        return losses.mean()
    return (losses * weights.to(losses.dtype)).mean()
