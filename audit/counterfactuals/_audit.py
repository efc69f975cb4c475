"""Entry points the config-driven runner calls for the counterfactual audit."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np
import torch

from audit._threads import torch_threads
from audit.counterfactuals._config import CounterfactualAuditConfig
from audit.counterfactuals._find import CounterfactualSet, find_counterfactuals
from audit.counterfactuals._recourse import recourse_by_group
from audit.counterfactuals._space import COST_METRICS
from audit.result import CounterfactualSection

if TYPE_CHECKING:  # pragma: no cover
    from audit.data import TabularDataset
    from audit.training import Callback

METHOD = ("batched gradient search (hinge on the decision margin + cost penalty, relaxed one-hot "
          "groups, random feature subsets per restart for diversity), projected to valid rows, "
          "greedy pruning of unneeded changes, bisection towards the original on numeric changes; "
          "plus the exact cheapest one-feature change per feature; every result re-verified")
#: The method of a model without gradients over the encoded rows.
METHOD_GRADIENT_FREE = (
    "random search (new values for a growing random subset of the mutable features: numeric "
    "ones uniform in the training range, categorical ones a random category), projected to "
    "valid rows, greedy pruning of unneeded changes, bisection towards the original on numeric "
    "changes; plus the exact cheapest one-feature change per feature; every result re-verified "
    "(forward passes only: the model gives no gradients)")


def training_callbacks(dataset: TabularDataset, config: CounterfactualAuditConfig,
                       seed: int) -> list[Callback]:
    """None: counterfactuals are searched on the trained model only.

    Examples
    --------
    >>> training_callbacks(None, CounterfactualAuditConfig(), 0)
    []
    """
    return []


def _example_rows(cfs: CounterfactualSet, requested: np.ndarray, n_examples: int,
                  seed: int) -> list[int]:
    """Indices (into ``cfs.rows``) of the rows stored in the result: the requested rows, then a
    seeded sample of about 70% rows with a negative decision, 20% with a positive one and 10%
    where nothing was found (a short pool's share goes to the others)."""
    rng = np.random.default_rng(seed)
    chosen = list(dict.fromkeys(int(i) for i in requested))
    left = max(n_examples - len(chosen), 0)
    taken = set(chosen)
    pools = [rng.permutation(np.flatnonzero(mask)) for mask in
             ((cfs.decision == 0) & cfs.found, (cfs.decision == 1) & cfs.found, ~cfs.found)]
    pools = [[int(i) for i in pool if int(i) not in taken] for pool in pools]
    quota = [left - left // 5 - left // 10, left // 5, left // 10]
    picked = [pool[:q] for pool, q in zip(pools, quota)]
    spare = left - sum(map(len, picked))
    for pool, got in zip(pools, picked):
        extra = pool[len(got):len(got) + spare]
        got.extend(extra)
        spare -= len(extra)
    return chosen + picked[0] + picked[2] + picked[1]


def section_from(cfs: CounterfactualSet, dataset: TabularDataset, config: CounterfactualAuditConfig,
                 *, requested: np.ndarray | None = None, seed: int = 0,
                 split: str = "test") -> CounterfactualSection:
    """Summarise a :class:`CounterfactualSet` of a split's rows as the result section."""
    data = getattr(dataset, split)
    labels = data.sensitive.iloc[cfs.rows].reset_index(drop=True)
    groups, gaps = recourse_by_group(cfs, labels, bootstrap_replicates=config.bootstrap_replicates,
                                     min_group_size=config.min_group_size, seed=seed)
    negative = cfs.decision == 0
    best = cfs.best
    picked = best[negative & cfs.found]
    rates = (cfs.changed[picked].mean(axis=0) if len(picked)
             else np.zeros(len(cfs.space.features)))
    requested = np.zeros(0, dtype=np.int64) if requested is None else requested
    examples = _example_rows(cfs, requested, config.n_examples, seed)
    rows = tuple(cfs.row_result(i, {k: str(v) for k, v in labels.iloc[i].items()})
                 for i in examples)
    n_found = int(cfs.found.sum())
    notes = [
        "Counterfactuals change only mutable features; numeric values stay within the training "
        "range (integral for integer columns) and categorical features stay one category.",
        "'Not found within the constraints' means the search found no valid input that flips "
        "the decision; it is not a proof that none exists.",
        f"Feature change rates and recourse are over the cheapest counterfactual of each row with "
        f"a negative decision ({int(negative.sum()):,} rows).",
    ]
    if cfs.space.cost_metric == "mad_l1":
        zero = [f for i, f in enumerate(cfs.space.features) if cfs.space.numeric[i]
                and cfs.space.mutable[i] and _mad_is_zero(dataset, f)]
        if zero:
            notes.append("Median absolute deviation is 0 for " + ", ".join(zero)
                         + " (most rows have the same value); their changes are measured in "
                           "units of the MAD of the other values.")
    return CounterfactualSection(
        split=split, method=METHOD, cost_metric=cfs.space.cost_metric,
        cost_description=COST_METRICS[cfs.space.cost_metric], immutable=cfs.space.immutable,
        n_per_row=cfs.n_per_row, n_rows_searched=len(cfs.rows), n_rows_found=n_found,
        n_rows_not_found=len(cfs.rows) - n_found, n_negative=int(negative.sum()),
        n_negative_not_found=int((negative & ~cfs.found).sum()),
        n_counterfactuals=len(cfs.X),
        mean_per_row=float(len(cfs.X) / max(len(cfs.rows), 1)),
        validity=_validity(cfs),
        seconds=cfs.seconds, rows_per_second=len(cfs.rows) / max(cfs.seconds, 1e-9),
        change_rates={f: float(r) for f, r in zip(cfs.space.features, rates)},
        groups=tuple(groups), gaps=tuple(gaps), row_examples=rows, notes=tuple(notes))


def _mad_is_zero(dataset: TabularDataset, feature: str) -> bool:
    values = dataset.train.raw[feature].to_numpy(dtype=np.float64)
    return float(np.median(np.abs(values - np.median(values)))) == 0.0


def _validity(cfs: CounterfactualSet) -> float:
    """Share of returned counterfactuals that flip the decision and break no constraint."""
    if not len(cfs.X):
        return float("nan")
    return float(np.mean(verify(cfs)))


def verify(cfs: CounterfactualSet, model: torch.nn.Module | None = None) -> np.ndarray:
    """Bool per counterfactual: decision flipped (re-run through ``model`` when given, else by
    the stored probability) and no constraint broken."""
    x0 = cfs.X0[cfs.row_of]
    ok = ~cfs.space.violations(cfs.X, x0) & (cfs.X != x0).any(axis=1)
    if model is None:
        flipped = (cfs.cf_probability > 0.5).astype(int) == cfs.desired[cfs.row_of]
    else:
        with torch.no_grad():
            was = model.training
            model.eval()
            flipped = (model(torch.from_numpy(cfs.X)).argmax(dim=1).numpy()
                       == cfs.desired[cfs.row_of])
            model.train(was)
    return ok & flipped


def run_audit(dataset: TabularDataset, model: torch.nn.Module,
              config: CounterfactualAuditConfig, seed: int, *,
              gradients: bool = True) -> CounterfactualSection | None:
    """Search counterfactuals for the test split (``config.n_rows`` rows sampled with ``seed``,
    default all, plus ``config.rows``) and measure recourse per sensitive group; None when
    disabled. ``gradients=False``: the gradient-free random search (forward passes only).

    Examples
    --------
    >>> run_audit(None, None, CounterfactualAuditConfig(enabled=False), 0) is None
    True
    """
    if not config.enabled:
        return None
    from audit.counterfactuals._find import _check_rows

    test = dataset.test
    requested = _check_rows(config.rows, len(test), "test")
    if config.n_rows is None or config.n_rows >= len(test):
        positions = np.arange(len(test))
    else:
        positions = np.sort(np.random.default_rng(seed).permutation(len(test))[:config.n_rows])
    positions = np.unique(np.concatenate([positions, requested]))
    with torch_threads(config.cpu_threads):
        tick = time.perf_counter()
        cfs = find_counterfactuals(
            model, dataset, positions, n=config.n_per_row, immutable=config.immutable,
            cost=config.cost, steps=config.steps, learning_rate=config.learning_rate,
            distance_weight=config.distance_weight, gradients=gradients, seed=seed)
        seconds = time.perf_counter() - tick
    index = {int(p): i for i, p in enumerate(positions)}
    section = section_from(cfs, dataset, config,
                           requested=np.array([index[int(r)] for r in requested], dtype=np.int64),
                           seed=seed)
    from dataclasses import replace

    comparison, notes = None, section.notes
    if config.dice_rows:
        try:
            from audit.counterfactuals._dice import compare_with_dice

            comparison = compare_with_dice(model, dataset, positions[:config.dice_rows],
                                           n=config.n_per_row, immutable=config.immutable,
                                           seed=seed)
        except ImportError:
            notes = (*notes, "dice-ml is not installed: no comparison (pip install dice-ml).")
    if not gradients:
        section = replace(section, method=METHOD_GRADIENT_FREE)
    return replace(section, seconds=seconds, rows_per_second=len(positions) / max(seconds, 1e-9),
                   comparison=comparison, notes=notes)
