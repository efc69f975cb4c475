"""The training loss the trainer and the DP engine share, chosen from the model's output width.

A model with one output (a single logit, ``BCEWithLogitsLoss`` style) gets the binary
cross-entropy of that logit; a model with two or more outputs gets the cross-entropy of its
logits. Both are per-example losses averaged over the batch (the ``"mean"`` reduction opacus's
optimizers and our book-keeping assume), each example optionally scaled by a sample weight.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def per_example_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """``(batch,)`` losses: BCE-with-logits for ``(batch, 1)`` logits, cross-entropy otherwise.

    Examples
    --------
    >>> logits = torch.tensor([[0.0], [2.0]])
    >>> per_example_loss(logits, torch.tensor([1, 0])).round(decimals=4)
    tensor([0.6931, 2.1269])
    """
    if logits.ndim == 2 and logits.shape[1] == 1:
        return F.binary_cross_entropy_with_logits(logits[:, 0], labels.to(logits.dtype),
                                                  reduction="none")
    return F.cross_entropy(logits, labels.long(), reduction="none")


def classification_loss(logits: torch.Tensor, labels: torch.Tensor,
                        weights: torch.Tensor | None = None) -> torch.Tensor:
    """Mean per-example loss (see :func:`per_example_loss`), scaled by sample weights if given.

    This is the default ``loss_fn`` of :func:`audit.training.fit` and the ``loss_fn`` of
    :func:`audit.dp.make_private_training`, for one-logit and multi-logit models alike.

    Examples
    --------
    >>> single = classification_loss(torch.tensor([[0.0]]), torch.tensor([1]))
    >>> double = classification_loss(torch.tensor([[0.0, 0.0]]), torch.tensor([1]))
    >>> bool(torch.isclose(single, double))  # both log(2): the same model, two parametrisations
    True
    """
    losses = per_example_loss(logits, labels)
    if weights is None:
        return losses.mean()
    return (losses * weights.to(losses.dtype)).mean()


def weighted_cross_entropy(logits: torch.Tensor, labels: torch.Tensor,
                           weights: torch.Tensor | None) -> torch.Tensor:
    """Mean cross-entropy, each example scaled by its sample weight when given.

    Kept for callers that name it; it is :func:`classification_loss`, so a one-logit model
    gets the binary cross-entropy of its logit.
    """
    return classification_loss(logits, labels, weights)


class ClassificationLoss(nn.Module):
    """:func:`per_example_loss` as a criterion with a ``reduction`` attribute.

    opacus's ghost clipping wraps the criterion it is given, sets ``reduction = "none"`` to get
    the per-example losses it needs, and restores it; this criterion honours the attribute for
    one-logit and multi-logit models (torch's ``CrossEntropyLoss`` would fail on one logit).

    Examples
    --------
    >>> ClassificationLoss(reduction="none")(torch.zeros(3, 1), torch.tensor([0, 1, 1])).shape
    torch.Size([3])
    """

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction

    def forward(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        losses = per_example_loss(logits, labels)
        if self.reduction == "none":
            return losses
        return losses.sum() if self.reduction == "sum" else losses.mean()
