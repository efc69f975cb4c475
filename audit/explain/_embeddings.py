"""Attributions through embeddings, and models with several inputs.

A categorical column that enters a model as integer codes through ``nn.Embedding`` has no
gradient: integrated gradients, DeepLift, GradientShap and saliency give it exactly 0 however
much the model relies on it. captum's answer is to attribute on the embedding's output (its
layer methods: ``LayerIntegratedGradients`` and kin, which hook the layer and replace its
output). This module does the same for every method at once: it finds which input column each
embedding lookup reads, and builds

* the **attribution space** ``Z``: each plain column as it is, each embedded column replaced
  by its embedding vector (``encode``);
* a module ``Z -> logits`` (:class:`EmbeddedForward`) that runs the user's model with every
  embedding's output replaced, through a forward hook, by the matching block of ``Z``.

Attributing ``Z`` with a captum method is attributing the embedding outputs as the layer
methods do (``tests/unit/explain/test_embeddings.py`` checks our integrated gradients equal
``LayerIntegratedGradients``); attributions are then summed over each embedding's dimensions
back to the original column (:meth:`EmbeddingView.to_columns`). Completeness holds in ``Z``:
the attributions add up to ``f(x) - f(baseline)``.

Inputs may be one tensor or a tuple of tensors (``forward(numeric, categorical)``); the
columns are numbered across the tuple, in order. An embedding may read one column (input of
shape ``(batch,)``) or several (``(batch, k)``, e.g. one table with per-column offsets); the
code it reads must be a column of the inputs plus a constant offset. An integer column that no
embedding reads cannot be attributed by a gradient method: it is listed in
:attr:`EmbeddingView.not_attributable` with the reason, and the Explainer refuses gradient
methods on it instead of returning a silent zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from audit.explain._errors import BaselineShapeError, EmbeddingInputError

#: Rows of the sample used to find which column each embedding reads.
SAMPLE_ROWS = 1024


@dataclass(frozen=True)
class Lookup:
    """One embedding lookup that reads an input column.

    Attributes
    ----------
    call : int
        Index of the embedding call in the order of the forward pass.
    module : str
        Name of the ``nn.Embedding`` in the model (``model.get_submodule(module)``).
    position : int or None
        ``None`` when the call's input has shape ``(batch,)``; else the index along the
        flattened non-batch dims of its ``(batch, k)`` input.
    column : int
        The input column read (numbered across a tuple of inputs).
    offset : int
        The embedding index is ``code + offset``.
    width : int
        The embedding dimension (columns of ``Z`` this lookup occupies).
    """

    call: int
    module: str
    position: int | None
    column: int
    offset: int
    width: int


@dataclass(frozen=True)
class _Call:
    module: str
    ids: torch.Tensor  # (batch, k)
    flat: bool         # input was (batch,)
    shape: tuple[int, ...]


def as_tuple(inputs: Any) -> tuple[tuple[torch.Tensor, ...], bool]:
    """``(tensors, was_a_tuple)`` of a tensor, an array, or a tuple/list of them."""
    if isinstance(inputs, (tuple, list)):
        return tuple(torch.as_tensor(t) for t in inputs), True
    return (torch.as_tensor(inputs),), False


def has_embeddings(model: nn.Module) -> bool:
    """True when ``model`` holds an ``nn.Embedding``."""
    return any(isinstance(m, nn.Embedding) for m in model.modules())


def _call_model(model: nn.Module, tensors: Sequence[torch.Tensor], was_tuple: bool):
    out = model(*tensors) if was_tuple else model(tensors[0])
    return getattr(out, "logits", out)


def _record_calls(model: nn.Module, tensors: Sequence[torch.Tensor],
                  was_tuple: bool) -> tuple[list[_Call], torch.Tensor]:
    names = {id(m): name for name, m in model.named_modules() if isinstance(m, nn.Embedding)}
    calls: list[_Call] = []

    def record(module, args, output):
        ids = args[0]
        calls.append(_Call(names[id(module)], ids.detach().reshape(ids.shape[0], -1).long(),
                           ids.dim() == 1, tuple(output.shape)))

    handles = [m.register_forward_hook(record) for m in model.modules()
               if isinstance(m, nn.Embedding)]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = _call_model(model, tensors, was_tuple)
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()
    return calls, out


class EmbeddingView:
    """A model seen through its embeddings: inputs -> attribution space ``Z`` -> logits.

    Build it with :func:`embedding_view`. ``module`` maps ``Z`` rows to the model's logits;
    ``encode`` maps inputs to ``Z``; ``to_columns`` sums ``Z`` attributions back to the input
    columns; ``groups`` maps feature groups over input columns to groups over ``Z``.

    Attributes
    ----------
    n_columns : int
        Input columns, numbered across a tuple of inputs.
    width : int
        Columns of ``Z``.
    lookups : tuple of Lookup
    slices : tuple of tuple of int
        For each input column, its columns in ``Z``.
    not_attributable : dict of int to str
        Input columns a gradient method cannot attribute, with the reason.
    """

    def __init__(self, model: nn.Module, tensors: Sequence[torch.Tensor], was_tuple: bool,
                 lookups: Sequence[Lookup], placeholders: dict[int, float]) -> None:
        self.model = model
        self.was_tuple = was_tuple
        self.shapes = tuple((int(t.shape[1]), t.dtype) for t in tensors)
        self.n_columns = sum(width for width, _ in self.shapes)
        self.lookups = tuple(lookups)
        self.embedded = {lookup.column for lookup in lookups}
        slices: list[tuple[int, ...]] = []
        self._lookup_slices: dict[Lookup, slice] = {}
        start = 0
        for column in range(self.n_columns):
            own = [lk for lk in self.lookups if lk.column == column]
            if not own:
                slices.append((start,))
                start += 1
                continue
            taken: list[int] = []
            for lookup in own:
                self._lookup_slices[lookup] = slice(start, start + lookup.width)
                taken += range(start, start + lookup.width)
                start += lookup.width
            slices.append(tuple(taken))
        self.slices = tuple(slices)
        self.width = start
        self.not_attributable = {
            column: ("integer codes that no nn.Embedding reads: a gradient with respect to an "
                     "integer input is 0 whatever the model does with it")
            for column in range(self.n_columns)
            if column not in self.embedded and not self._dtype(column).is_floating_point}
        self.module = EmbeddedForward(self, placeholders)

    # -- layout ------------------------------------------------------------------------
    def _position(self, column: int) -> tuple[int, int]:
        for t, (width, _) in enumerate(self.shapes):
            if column < width:
                return t, column
            column -= width
        raise IndexError(column)

    def _dtype(self, column: int) -> torch.dtype:
        return self.shapes[self._position(column)[0]][1]

    def describe(self, column: int) -> str:
        """``"column 3"`` (one input) or ``"input 1, column 0"`` (a tuple of inputs)."""
        t, c = self._position(column)
        return f"input {t}, column {c}" if self.was_tuple else f"column {c}"

    # -- inputs -> Z -------------------------------------------------------------------
    def _tensors(self, inputs: Any) -> tuple[torch.Tensor, ...]:
        tensors, was_tuple = as_tuple(inputs)
        shapes = tuple(int(t.shape[1]) if t.ndim == 2 else -1 for t in tensors)
        expected = tuple(width for width, _ in self.shapes)
        if was_tuple != self.was_tuple or shapes != expected or len(
                {len(t) for t in tensors}) > 1:
            kind = "a tuple of" if self.was_tuple else "one"
            raise EmbeddingInputError(
                "inputs", f"{kind} 2-D tensor(s) with {list(expected)} columns and as many rows "
                "each, as the model was first explained with",
                f"{'a tuple of' if was_tuple else 'one'} tensor(s) of shapes "
                f"{[tuple(t.shape) for t in tensors]}", "pass the inputs in the same structure")
        return tensors

    def column_values(self, inputs: Any) -> list[torch.Tensor]:
        """Each input column as a 1-D tensor (numbered across a tuple of inputs)."""
        return [t[:, c] for t in self._tensors(inputs) for c in range(t.shape[1])]

    def encode(self, inputs: Any) -> torch.Tensor:
        """Rows in attribution space: ``(n_rows, width)`` float32, without gradient.

        Raises
        ------
        BaselineShapeError
            When an embedded column holds a value that is not a code (e.g. a mean of codes).
        """
        columns = self.column_values(inputs)
        device = next(iter(self.model.parameters()), torch.zeros(0)).device
        pieces: list[torch.Tensor] = []
        with torch.no_grad():
            for column, values in enumerate(columns):
                own = [lk for lk in self.lookups if lk.column == column]
                if not own:
                    pieces.append(values.to(device, torch.float32).reshape(-1, 1))
                    continue
                codes = values.to(device)
                if codes.is_floating_point():
                    if not bool(torch.all(codes == codes.round())):
                        raise BaselineShapeError(
                            self.describe(column), "integer codes (the column goes through an "
                            "nn.Embedding)", "values that are not whole numbers, such as a mean "
                            "of codes", "encode training rows first and average those: "
                            "make_baselines(explainer.encode(X_train), 'mean') (the mean "
                            "embedding)")
                    codes = codes.round()
                for lookup in own:
                    table = self.model.get_submodule(lookup.module)
                    pieces.append(table(codes.long() + lookup.offset).float())
        return torch.cat(pieces, dim=1) if pieces else torch.zeros(len(columns[0]), 0)

    def encode_baselines(self, baselines: Any) -> torch.Tensor | None:
        """Baselines given in input space (a tuple, or rows of the input width whose embedded
        columns hold codes) or already in attribution space (rows of ``width`` columns)."""
        if baselines is None:
            return None
        if isinstance(baselines, (tuple, list)):
            return self.encode(tuple(torch.as_tensor(b).reshape(-1, w) if torch.as_tensor(
                b).ndim < 2 else torch.as_tensor(b) for b, (w, _) in zip(baselines, self.shapes)))
        base = torch.as_tensor(baselines)
        base = base.unsqueeze(0) if base.ndim == 1 else base
        if base.ndim == 2 and not self.was_tuple and base.shape[1] == self.n_columns and (
                base.shape[1] != self.width or self._codes_are_whole(base)):
            return self.encode(base)
        if base.ndim == 2 and base.shape[1] == self.width:
            return base.float()
        raise BaselineShapeError(
            "baselines", f"rows of the inputs ({self.n_columns} columns, embedded ones holding "
            f"codes) or of the attribution space ({self.width} columns: embedded columns as "
            "their embedding vectors)", f"shape {tuple(base.shape)}",
            "build them with make_baselines(explainer.encode(X_train), kind)")

    def _codes_are_whole(self, base: torch.Tensor) -> bool:
        return all(bool(torch.all(base[:, c] == base[:, c].round())) for c in self.embedded)

    # -- Z -> columns -------------------------------------------------------------------
    def to_columns(self, attributions: torch.Tensor) -> torch.Tensor:
        """Sum ``(n, width)`` attributions over each column's embedding dims: ``(n, n_columns)``."""
        matrix = torch.zeros(self.width, self.n_columns, dtype=attributions.dtype,
                             device=attributions.device)
        for column, cols in enumerate(self.slices):
            matrix[list(cols), column] = 1.0
        return attributions @ matrix

    def groups(self, feature_groups: Mapping[str, Sequence[int]] | None) -> dict[str, tuple[int, ...]]:
        """Feature groups over input columns as groups over ``Z`` (one per column if None)."""
        if feature_groups is None:
            return {str(c): self.slices[c] for c in range(self.n_columns)}
        return {name: tuple(z for c in columns for z in self.slices[int(c)])
                for name, columns in feature_groups.items()}

    # -- Z -> model inputs -------------------------------------------------------------
    def lookup_slice(self, lookup: Lookup) -> slice:
        return self._lookup_slices[lookup]


class EmbeddedForward(nn.Module):
    """``Z -> logits``: the user's model with its embedding outputs taken from ``Z``.

    Plain columns of ``Z`` are passed to the model as its inputs (cast back to an integer
    dtype for integer columns no embedding reads); an embedded column is passed as a fixed
    valid code, and each lookup's output is replaced by its block of ``Z`` through a forward
    hook that lives only during the call (none remains after it, even after an error).
    """

    def __init__(self, view: EmbeddingView, placeholders: dict[int, float]) -> None:
        super().__init__()
        self.model = view.model
        self._view = [view]  # a list: not registered as a submodule, not copied as one
        self._placeholders = dict(placeholders)

    @property
    def view(self) -> EmbeddingView:
        return self._view[0]

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        view = self.view
        n = z.shape[0]
        tensors: list[torch.Tensor] = []
        column = 0
        for width, dtype in view.shapes:
            parts = []
            for _ in range(width):
                if column in view.embedded:
                    value = self._placeholders[column]
                    parts.append(torch.full((n,), value, dtype=z.dtype, device=z.device))
                else:
                    parts.append(z[:, view.slices[column][0]])
                column += 1
            stacked = torch.stack(parts, dim=1)
            tensors.append(stacked if dtype.is_floating_point else stacked.round().to(dtype))
        by_call: dict[int, list[Lookup]] = {}
        for lookup in view.lookups:
            by_call.setdefault(lookup.call, []).append(lookup)
        counter = [0]

        def replace(module, args, output):
            call = counter[0]
            counter[0] += 1
            lookups = by_call.get(call)
            if not lookups:
                return None
            if lookups[0].position is None:
                return z[:, view.lookup_slice(lookups[0])].to(output.dtype).reshape(output.shape)
            flat = output.reshape(n, -1, output.shape[-1])
            pieces = list(flat.unbind(dim=1))
            for lookup in lookups:
                pieces[lookup.position] = z[:, view.lookup_slice(lookup)].to(output.dtype)
            return torch.stack(pieces, dim=1).reshape(output.shape)

        handles = [m.register_forward_hook(replace) for m in self.model.modules()
                   if isinstance(m, nn.Embedding)]
        try:
            return _call_model(self.model, tensors, view.was_tuple)
        finally:
            for handle in handles:
                handle.remove()


def _match(calls: Sequence[_Call], columns: Sequence[torch.Tensor]) -> list[Lookup]:
    """Which input column (plus a constant offset) each position of each lookup reads."""
    candidates = []
    for index, values in enumerate(columns):
        v = values.double()
        if bool(torch.all(torch.isfinite(v))) and bool(torch.all(v == v.round())):
            candidates.append((index, v.round().long()))
    lookups: list[Lookup] = []
    for call_index, call in enumerate(calls):
        positions = [None] if call.flat else list(range(call.ids.shape[1]))
        width = call.shape[-1]
        for k, position in enumerate(positions):
            ids = call.ids[:, k]
            if bool(torch.all(ids == ids[0])):
                continue  # a fixed lookup (the same index for every row): not a column
            found = None
            for index, codes in candidates:
                shift = ids - codes
                if bool(torch.all(shift == shift[0])) and (found is None or int(shift[0]) == 0):
                    found = (index, int(shift[0]))
                    if int(shift[0]) == 0:
                        break
            if found is None:
                where = f"'{call.module}'" + (f", position {position}" if position is not None
                                              else "")
                raise EmbeddingInputError(
                    f"embedding {where}", "indices that are one input column (plus a constant "
                    "offset), so that its output can be attributed to that column",
                    "indices computed from several columns, or not found among the inputs",
                    "feed each categorical column's codes to the embedding as they are (or "
                    "shifted by a constant), or explain with a perturbation method on inputs "
                    "the model takes as floats")
            lookups.append(Lookup(call_index, call.module, position, found[0], found[1], width))
    return lookups


def embedding_view(model: nn.Module, inputs: Any, *,
                   sample_rows: int = SAMPLE_ROWS) -> EmbeddingView | None:
    """The :class:`EmbeddingView` of ``model`` on inputs shaped like ``inputs``, or None.

    None means nothing to do: one float 2-D tensor and no embedding reading a column of it.
    Otherwise a view, checked on up to ``sample_rows`` rows of ``inputs``: the module on the
    encoded rows must give the model's own outputs.

    Raises
    ------
    EmbeddingInputError
        An embedding reads indices that are no input column, or the model uses an embedded
        column other than through its embedding (the outputs differ).

    Examples
    --------
    >>> class TwoInputs(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.group = nn.Embedding(3, 2)
    ...         self.head = nn.Linear(4, 1)
    ...     def forward(self, numeric, codes):
    ...         return self.head(torch.cat([numeric, self.group(codes[:, 0])], dim=1))
    >>> inputs = (torch.randn(8, 2), torch.randint(0, 3, (8, 1)))
    >>> view = embedding_view(TwoInputs(), inputs)
    >>> view.n_columns, view.width, view.slices
    (3, 4, ((0,), (1,), (2, 3)))
    """
    tensors, was_tuple = as_tuple(inputs)
    if any(t.ndim != 2 for t in tensors) or len({len(t) for t in tensors}) > 1:
        raise EmbeddingInputError(
            "inputs", "2-D tensors (rows, columns) with the same number of rows",
            f"shapes {[tuple(t.shape) for t in tensors]}",
            "pass encoded rows, e.g. (numeric[:100], codes[:100])")
    device = next(iter(model.parameters()), torch.zeros(0)).device
    sample = tuple(t[:sample_rows].to(device) for t in tensors)
    plain = not was_tuple and sample[0].is_floating_point()
    if plain and not has_embeddings(model):
        return None
    calls, expected = _record_calls(model, sample, was_tuple)
    columns = [t[:, c] for t in sample for c in range(t.shape[1])]
    lookups = _match(calls, columns)
    if plain and not lookups:
        return None
    placeholders = {lk.column: float(columns[lk.column][0]) for lk in lookups}
    view = EmbeddingView(model, sample, was_tuple, lookups, placeholders)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            got = view.module(view.encode(sample if was_tuple else sample[0]))
    finally:
        model.train(was_training)
    if got.shape != expected.shape or not torch.allclose(
            got.float(), expected.float(), rtol=1e-4, atol=1e-5 * (1 + float(expected.abs().max()))):
        used = ", ".join(view.describe(c) for c in sorted(view.embedded))
        raise EmbeddingInputError(
            "model", "a model that uses each embedded column only through its nn.Embedding",
            f"outputs that change when the lookups of {used} are given as embedding vectors "
            f"(largest difference {float((got - expected).abs().max()):.3g})",
            "use the codes only as embedding indices, or explain with a perturbation method")
    return view
