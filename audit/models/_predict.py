"""Batched inference helpers."""

from __future__ import annotations

import numpy as np
import torch

from audit.models._adapter import two_column_logits
from audit.training import forward_logits


@torch.no_grad()
def predict_proba(model: torch.nn.Module, X: np.ndarray | torch.Tensor, *,
                  batch_size: int = 8192, device: str | torch.device | None = None) -> np.ndarray:
    """Probability of the positive class for each row of ``X``: softmax column 1 of two
    logits, or the sigmoid of a single logit (:func:`audit.models.two_column_logits`).

    Examples
    --------
    >>> import torch
    >>> predict_proba(torch.nn.Linear(3, 2), torch.zeros(4, 3)).shape
    (4,)
    """
    was_training = model.training
    model.eval()
    device = (torch.device(device) if device is not None
              else next(model.parameters(), torch.zeros(0)).device)
    X = torch.as_tensor(X)
    out = []
    for start in range(0, len(X), batch_size):
        logits = two_column_logits(forward_logits(model, X[start:start + batch_size].to(device)))
        out.append(torch.softmax(logits.float(), dim=1)[:, 1].cpu())
    model.train(was_training)
    return torch.cat(out).numpy().astype(np.float64) if out else np.zeros(0)
