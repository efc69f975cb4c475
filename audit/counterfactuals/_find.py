"""Public entry point: counterfactuals of chosen rows of a tabular dataset."""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import torch

from audit.counterfactuals._errors import CounterfactualError, RowsOutOfRangeError
from audit.counterfactuals._search import SearchSettings, search
from audit.counterfactuals._space import FeatureSpace, feature_space
from audit.result import Counterfactual, FeatureChange, RowCounterfactuals

if TYPE_CHECKING:  # pragma: no cover
    from audit.data import TabularDataset


@dataclass(frozen=True, eq=False)
class CounterfactualSet:
    """Verified counterfactuals of searched rows, sorted by row then cost.

    Attributes
    ----------
    space : FeatureSpace
    rows : numpy.ndarray
        Positions in the split of the searched rows.
    X0 : numpy.ndarray
        Their encoded values.
    probability, decision, desired : numpy.ndarray
        Model probability of the positive class, its decision, and the class sought.
    X : numpy.ndarray
        Encoded counterfactuals, at most ``n_per_row`` per row, no duplicates.
    row_of : numpy.ndarray
        Index into ``rows`` of each counterfactual.
    cost, n_changed, cf_probability : numpy.ndarray
        Per counterfactual.
    changed : numpy.ndarray
        Bool ``(n_counterfactuals, n_features)``.
    n_candidates, n_rejected : int
        Candidates searched, and those rejected (no flip found, or failing verification),
        before duplicates were merged.
    seconds : float
    """

    space: FeatureSpace
    rows: np.ndarray
    X0: np.ndarray
    probability: np.ndarray
    decision: np.ndarray
    desired: np.ndarray
    X: np.ndarray
    row_of: np.ndarray
    cost: np.ndarray
    n_changed: np.ndarray
    cf_probability: np.ndarray
    changed: np.ndarray
    n_per_row: int
    n_candidates: int
    n_rejected: int
    seconds: float

    @property
    def counts(self) -> np.ndarray:
        """Counterfactuals found per searched row."""
        return np.bincount(self.row_of, minlength=len(self.rows))

    @property
    def found(self) -> np.ndarray:
        """Bool per searched row: at least one counterfactual."""
        return self.counts > 0

    @property
    def best(self) -> np.ndarray:
        """Index into ``X`` of each row's cheapest counterfactual, -1 where none was found."""
        out = np.full(len(self.rows), -1, dtype=np.int64)
        first = np.flatnonzero(np.r_[True, self.row_of[1:] != self.row_of[:-1]]) if len(
            self.row_of) else np.zeros(0, dtype=np.int64)
        out[self.row_of[first]] = first
        return out

    def changes(self, k: int) -> tuple[FeatureChange, ...]:
        """Counterfactual ``k`` as "change A from x to y" items."""
        x, x0 = self.X[k], self.X0[self.row_of[k]]
        return tuple(FeatureChange(feature=self.space.features[f],
                                   before=self.space.value_text(x0, f),
                                   after=self.space.value_text(x, f))
                     for f in np.flatnonzero(self.changed[k]))

    def row_result(self, i: int, groups: dict[str, str] | None = None) -> RowCounterfactuals:
        """Searched row ``i`` (index into ``rows``) as a result record."""
        ks = np.flatnonzero(self.row_of == i)
        return RowCounterfactuals(
            row=int(self.rows[i]), probability=float(self.probability[i]),
            decision=int(self.decision[i]), desired=int(self.desired[i]),
            groups=dict(groups or {}),
            status="found" if len(ks) else "not found within the constraints",
            counterfactuals=tuple(Counterfactual(
                changes=self.changes(k), cost=float(self.cost[k]),
                n_changed=int(self.n_changed[k]), probability=float(self.cf_probability[k]))
                for k in ks))


def _cpu_model(model: torch.nn.Module) -> torch.nn.Module:
    from audit.explain import without_hooks

    model = without_hooks(model)  # e.g. opacus's per-sample-gradient hooks after DP training
    param = next(model.parameters(), None)
    if param is not None and param.device.type != "cpu":
        model = copy.deepcopy(model).cpu()
    return model


def _check_rows(rows: Sequence[int] | np.ndarray | None, n: int, split: str) -> np.ndarray:
    if rows is None:
        return np.arange(n)
    positions = np.asarray(list(rows) if not isinstance(rows, np.ndarray) else rows)
    if positions.ndim != 1 or (len(positions) and not np.issubdtype(positions.dtype, np.integer)):
        raise RowsOutOfRangeError("rows", "a 1-D sequence of integer row positions",
                                  f"{positions.dtype} array of shape {positions.shape}",
                                  "pass positions such as [0, 5, 17]")
    bad = positions[(positions < 0) | (positions >= n)]
    if len(bad):
        raise RowsOutOfRangeError("rows", f"positions in [0, {n - 1}] of the {split} split",
                                  f"{int(bad[0])}", "pick rows that the split has")
    return positions.astype(np.int64)


def _select(space: FeatureSpace, X0: np.ndarray, cand_X: np.ndarray, cand_row: np.ndarray,
            valid: np.ndarray, n_per_row: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Valid candidates, duplicates merged, cheapest ``n_per_row`` per row, sorted by row then
    cost; returns ``(X, row_of, cost)``."""
    X, row_of = cand_X[valid], cand_row[valid]
    cost = space.feature_costs(X, X0[row_of]).sum(axis=1)
    order = np.lexsort((cost, row_of))
    X, row_of, cost = X[order], row_of[order], cost[order]
    keyed = np.concatenate([row_of[:, None].astype(np.float64), X.astype(np.float64)], axis=1)
    _, first = np.unique(keyed, axis=0, return_index=True)
    keep = np.zeros(len(X), dtype=bool)
    keep[first] = True
    X, row_of, cost = X[keep], row_of[keep], cost[keep]
    start = np.searchsorted(row_of, row_of, side="left")
    rank = np.arange(len(row_of)) - start
    keep = rank < n_per_row
    return X[keep], row_of[keep], cost[keep]


def find_counterfactuals(
    model: torch.nn.Module,
    dataset: TabularDataset,
    rows: Sequence[int] | np.ndarray | None = None,
    *,
    split: Literal["train", "validation", "test"] = "test",
    n: int = 5,
    immutable: Sequence[str] | None = None,
    cost: str = "mad_l1",
    steps: int = 50,
    learning_rate: float = 0.2,
    distance_weight: float = 0.05,
    restarts: int | None = None,
    gradients: bool = True,
    seed: int = 0,
) -> CounterfactualSet:
    """Counterfactuals of ``rows`` of a split: close valid inputs that flip the model's decision.

    Parameters
    ----------
    model : torch.nn.Module
        Maps encoded rows to class logits (positive class at index 1).
    dataset : TabularDataset
    rows : sequence of int, optional
        Positions in the split (default: every row).
    split : {"train", "validation", "test"}
    n : int
        Counterfactuals wanted per row (diverse: found by different restarts).
    immutable : sequence of str, optional
        Original features never changed (default: the dataset's sensitive features).
    cost : {"mad_l1", "std_l1", "n_changed"}
        How a counterfactual's cost is measured (see :data:`COST_METRICS`).
    steps, learning_rate, distance_weight : optional
        Gradient search settings.
    restarts : int, optional
        Candidates searched per row (default ``n``); duplicates are merged.
    gradients : bool
        Follow the model's gradients (a torch model over the encoded rows); False: a random
        search needing only forward passes (any model, e.g. ``adapter.module`` of a callable).
    seed : int

    Returns
    -------
    CounterfactualSet
        A row whose decision could not be flipped within the constraints has no
        counterfactual (``found`` is False); this is not an error.

    Raises
    ------
    UnknownFeatureError, UnknownCostMetricError, RowsOutOfRangeError, CounterfactualError

    Examples
    --------
    >>> import torch
    >>> from audit.data import build_tabular_dataset, example_people
    >>> from audit.training import fit
    >>> people = example_people()
    >>> ds = build_tabular_dataset(people[:400], people[400:], target="income",
    ...                            sensitive_features=["sex"])
    >>> _ = torch.manual_seed(0)
    >>> model = torch.nn.Sequential(torch.nn.Linear(ds.n_features, 8), torch.nn.ReLU(),
    ...                             torch.nn.Linear(8, 2))
    >>> _ = fit(model, ds.train.to_torch(), epochs=5, batch_size=32, learning_rate=0.05,
    ...         progress=False)
    >>> cfs = find_counterfactuals(model, ds, rows=[0], n=1, steps=20)
    >>> [(c.feature, c.before, c.after) for c in cfs.row_result(0).counterfactuals[0].changes]
    [('hours', '36', '39'), ('job', 'sales', 'manager')]
    """
    if split not in ("train", "validation", "test"):
        raise CounterfactualError("split", "'train', 'validation' or 'test'", repr(split),
                                  "pick one of them")
    if int(n) < 1:
        raise CounterfactualError("n", "a positive number of counterfactuals per row", repr(n),
                                  "ask for at least 1")
    space = feature_space(dataset, immutable, cost=cost)
    data = getattr(dataset, split)
    positions = _check_rows(rows, len(data), split)
    model = _cpu_model(model)
    started = time.perf_counter()
    X0 = np.ascontiguousarray(data.X[positions], dtype=np.float32)
    with torch.no_grad():
        was_training = model.training
        model.eval()
        logits = torch.cat([model(torch.from_numpy(X0[s:s + 8192])) for s in
                            range(0, len(X0), 8192)]) if len(X0) else torch.zeros(0, 2)
        model.train(was_training)
    decision = logits.argmax(dim=1).numpy()
    probability = torch.softmax(logits.float(), dim=1)[:, 1].numpy().astype(np.float64) if len(
        X0) else np.zeros(0)
    if logits.shape[1] != 2:
        raise CounterfactualError("model output", "2 logits per row (a binary classifier)",
                                  f"{logits.shape[1]} logits", "audit a binary classifier")
    desired = 1 - decision
    settings = SearchSettings(restarts=int(restarts or n), steps=steps,
                              learning_rate=learning_rate, distance_weight=distance_weight,
                              gradients=bool(gradients))
    candidates = search(model, space, X0, desired, settings, seed=seed)
    X, row_of, costs = _select(space, X0, candidates.X, candidates.row, candidates.valid, int(n))
    changed = space.changed(X, X0[row_of]) if len(X) else np.zeros((0, len(space.features)), bool)
    with torch.no_grad():
        model.eval()
        cf_logits = model(torch.from_numpy(X)) if len(X) else torch.zeros(0, 2)
        model.train(was_training)
    cf_probability = torch.softmax(cf_logits.float(), dim=1)[:, 1].numpy().astype(np.float64)
    return CounterfactualSet(
        space=space, rows=positions, X0=X0, probability=probability, decision=decision,
        desired=desired, X=X, row_of=row_of, cost=costs, n_changed=changed.sum(axis=1),
        cf_probability=cf_probability, changed=changed, n_per_row=int(n),
        n_candidates=len(candidates.valid), n_rejected=int((~candidates.valid).sum()),
        seconds=time.perf_counter() - started)
