"""Reference rows for attribution (baselines) built from the training rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch

from audit.explain._errors import BaselineShapeError

BaselineKind = Literal["mean", "zeros", "sample"]


@dataclass(frozen=True)
class Baseline:
    """Reference rows for attribution and what they are, in words.

    Attributes
    ----------
    values : torch.Tensor
        The reference rows, in the space of the rows they were built from.
    description : str
    kind : {"mean", "zeros", "sample", "given"}
        How they were built. An :class:`~audit.explain.Explainer` of a model with embeddings
        rebuilds a ``"mean"`` or ``"zeros"`` baseline in attribution space (the mean embedding,
        the zero vector) from ``rows``, since a mean of integer codes is no code.
    rows : torch.Tensor or None
        The training rows a ``"mean"`` baseline averages (not shown, not copied).
    """

    values: torch.Tensor
    description: str
    kind: str = "given"
    rows: torch.Tensor | None = field(default=None, repr=False, compare=False)


def make_baselines(X_train: np.ndarray | torch.Tensor, kind: BaselineKind = "mean", *,
                   n_samples: int = 50, seed: int = 0) -> Baseline:
    """Baseline rows from the encoded training rows.

    Parameters
    ----------
    X_train : array-like
        ``(n_rows, n_features)`` encoded training rows.
    kind : {"mean", "zeros", "sample"}
        ``"mean"``: the training mean of each column, shape ``(1, n_features)`` (for a one-hot
        group, the category frequencies; for a column of codes through an embedding, the
        Explainer uses the mean embedding); ``"zeros"``: all zeros (the mean of standardised
        numeric columns, no category at all; the zero vector for an embedded column);
        ``"sample"``: ``n_samples`` training rows drawn at random (for SHAP-style methods).

    Examples
    --------
    >>> b = make_baselines(np.array([[0.0, 1.0], [2.0, 3.0]]), "mean")
    >>> b.values.tolist(), b.description
    ([[1.0, 2.0]], 'training mean of each encoded column (one-hot: category frequencies)')
    """
    X = torch.as_tensor(np.asarray(X_train, dtype=np.float32))
    if X.ndim != 2 or len(X) == 0:
        raise BaselineShapeError("X_train", "a non-empty 2-D array of encoded training rows",
                                 f"shape {tuple(X.shape)}", "pass dataset.train.X")
    if kind == "mean":
        return Baseline(X.mean(dim=0, keepdim=True),
                        "training mean of each encoded column (one-hot: category frequencies)",
                        "mean", X)
    if kind == "zeros":
        return Baseline(torch.zeros(1, X.shape[1]),
                        "zeros (standardised numeric columns at their mean, no category set)",
                        "zeros")
    if kind == "sample":
        k = min(int(n_samples), len(X))
        rows = np.random.default_rng(seed).choice(len(X), size=k, replace=False)
        return Baseline(X[np.sort(rows)], f"{k} training rows drawn at random (seed {seed})",
                        "sample")
    raise BaselineShapeError("baseline kind", "'mean', 'zeros' or 'sample'", repr(kind),
                             "pick one of them")
