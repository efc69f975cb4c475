"""A plain MLP for tabular data, with no layer opacus rejects (no BatchNorm)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


class TabularMLP(nn.Module):
    """Fully connected network: ``Linear -> ReLU -> Dropout`` blocks, then a logit layer.

    Parameters
    ----------
    input_width : int
        Number of encoded features.
    hidden_sizes : sequence of int
        Width of each hidden layer.
    dropout : float
        Dropout after each hidden layer.
    n_classes : int
        Output logits (2 for a binary target).
    """

    def __init__(self, input_width: int, hidden_sizes: Sequence[int] = (128, 64),
                 dropout: float = 0.1, n_classes: int = 2) -> None:
        super().__init__()
        self.config = {"input_width": int(input_width), "hidden_sizes": [int(h) for h in hidden_sizes],
                       "dropout": float(dropout), "n_classes": int(n_classes)}
        layers: list[nn.Module] = []
        width = input_width
        for size in hidden_sizes:
            layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(dropout)]
            width = size
        layers.append(nn.Linear(width, n_classes))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
