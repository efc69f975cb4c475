"""A torch model on its own inputs (``encode(frame)``), as one float matrix per split, so that
gradient audits can attribute in the model's own input space.

``encode`` may return a tensor, a tuple or a dict of ``(n,)`` or ``(n, k)`` tensors (numbers,
integer codes for embeddings). :func:`own_inputs` lays them side by side in one float matrix
(integer parts as exact floats) and gives a module that splits it back and calls the model,
plus the columns of that matrix each raw feature became, found by changing one raw column at a
time on sample rows and watching which columns move. The explainability audit then attributes
this matrix (embedded codes through their embeddings); other audits keep the dataset's
encoding. When the inputs cannot be laid out so (other shapes, a column moved by two raw
features), there is no own-input view and the audits use perturbation methods.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

#: Training rows used to find which input columns each raw feature moves.
PROBE_ROWS = 512


@dataclass(frozen=True)
class _Part:
    key: Any          # tuple index or dict key; None for a single tensor
    width: int        # columns in the flat matrix
    flat: bool        # the tensor was (n,)
    dtype: torch.dtype


def _parts(inputs: Any) -> list[tuple[Any, torch.Tensor]] | None:
    if isinstance(inputs, torch.Tensor):
        return [(None, inputs)]
    if isinstance(inputs, Mapping):
        items = list(inputs.items())
    elif isinstance(inputs, tuple):
        items = list(enumerate(inputs))
    else:
        return None
    if not all(isinstance(v, torch.Tensor) for _, v in items):
        return None
    return items


class FlatInputs(nn.Module):
    """``(n, width)`` floats -> the model's own inputs -> ``(n, 2)`` logits."""

    def __init__(self, model: nn.Module, layout: tuple[_Part, ...], form: str,
                 positive_index: int | None) -> None:
        super().__init__()
        self.model = model
        self.layout = layout
        self.form = form
        self.positive_index = positive_index

    def split(self, x: torch.Tensor) -> Any:
        """The model's inputs from flat rows (integer parts rounded back to their dtype)."""
        parts, start = [], 0
        for part in self.layout:
            block = x[:, start:start + part.width]
            start += part.width
            if not part.dtype.is_floating_point:
                block = block.round().to(part.dtype)
            parts.append(block[:, 0] if part.flat else block)
        if self.form == "tensor":
            return parts[0]
        if self.form == "dict":
            return {p.key: v for p, v in zip(self.layout, parts)}
        return tuple(parts)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        from audit.models._adapter import _call, two_column_logits

        return two_column_logits(_call(self.model, self.split(x)), self.positive_index)


@dataclass(frozen=True)
class OwnInputs:
    """A model on its own inputs, flattened: the module and each split's rows.

    Attributes
    ----------
    module : FlatInputs
    train, validation, test : numpy.ndarray
        ``(n, width)`` float32 rows of each split of the dataset.
    feature_groups : dict of str to tuple of int
        The flat columns each raw feature became (empty: the model does not read it).
    feature_names : tuple of str
    """

    module: FlatInputs
    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray
    feature_groups: dict[str, tuple[int, ...]]
    feature_names: tuple[str, ...]

    def dataset(self, dataset: Any) -> Any:
        """``dataset`` with these rows as its encoded rows (raw rows, labels and groups kept)."""
        layout = _Encoding(self.feature_groups, self.feature_names)
        return dataclasses.replace(
            dataset, preprocessor=layout,
            train=dataclasses.replace(dataset.train, X=self.train),
            validation=dataclasses.replace(dataset.validation, X=self.validation),
            test=dataclasses.replace(dataset.test, X=self.test))


@dataclass(frozen=True)
class _Encoding:
    """Stands for the preprocessor: the names and groups of the flat columns."""

    feature_groups_: dict[str, tuple[int, ...]]
    feature_names_: tuple[str, ...]


def _flatten(inputs: Any) -> tuple[np.ndarray, tuple[_Part, ...], str] | None:
    parts = _parts(inputs)
    if parts is None:
        return None
    blocks, layout = [], []
    for key, value in parts:
        if value.ndim not in (1, 2):
            return None
        block = value.detach().cpu()
        flat = block.ndim == 1
        block = block[:, None] if flat else block
        blocks.append(block.double().numpy())
        layout.append(_Part(key, block.shape[1], flat, value.dtype))
    form = ("tensor" if isinstance(inputs, torch.Tensor)
            else "dict" if isinstance(inputs, Mapping) else "tuple")
    return np.concatenate(blocks, axis=1).astype(np.float32), tuple(layout), form


def own_inputs(adapter: Any, dataset: Any, seed: int = 0) -> OwnInputs | None:
    """The own-input view of a bound adapter's torch model with ``encode``, or None.

    None when the model is no torch module with its own encoding, ``encode`` gives other
    shapes, some input column moves with two raw features (an interaction the audits could not
    attribute to one column) or with none (a constant input).
    """
    if adapter.kind == "callable" or adapter.encode is None:
        return None

    def flat(frame: pd.DataFrame):
        return _flatten(adapter.model_inputs(frame))

    splits = {name: flat(getattr(dataset, name).raw)
              for name in ("train", "validation", "test")}
    if any(s is None for s in splits.values()):
        return None
    layout, form = splits["train"][1], splits["train"][2]
    if any(s[1] != layout for s in splits.values()):  # e.g. padded to another width
        return None
    raw = dataset.train.raw
    rows = np.random.default_rng(seed).permutation(len(raw))[:PROBE_ROWS]
    sample = raw.iloc[np.sort(rows)].reset_index(drop=True)
    base = flat(sample)[0]
    owner: dict[int, str] = {}
    groups: dict[str, tuple[int, ...]] = {}
    for column in raw.columns:
        changed = sample.copy()
        changed[column] = np.roll(sample[column].to_numpy(), 1)
        moved = np.flatnonzero((flat(changed)[0] != base).any(axis=0))
        if any(int(c) in owner for c in moved):
            return None
        owner.update({int(c): column for c in moved})
        groups[column] = tuple(int(c) for c in moved)
    width = base.shape[1]
    if len(owner) != width:  # a column no raw feature moves (constant): no feature to give it
        return None
    names = [""] * width
    for column, cols in groups.items():
        for k, c in enumerate(cols):
            names[c] = column if len(cols) == 1 else f"{column}[{k}]"
    module = FlatInputs(adapter.model, layout, form, adapter.positive_index)
    return OwnInputs(module, splits["train"][0], splits["validation"][0], splits["test"][0],
                     groups, tuple(names))


__all__ = ["FlatInputs", "OwnInputs", "own_inputs"]
