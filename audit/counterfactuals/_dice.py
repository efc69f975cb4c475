"""Optional comparison with dice-ml (DiCE, Mothilal et al. 2020) on the same rows.

dice-ml is not a dependency: :func:`compare_with_dice` raises ``ImportError`` naming the package
when it is missing. DiCE searches raw rows through a scikit-learn style wrapper of the torch model
(its model-agnostic ``random`` or ``genetic`` method), with the same immutable features and the
training ranges; its counterfactuals are checked with our verifier.
"""

from __future__ import annotations

import contextlib
import io
import time
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch

from audit.counterfactuals._find import find_counterfactuals
from audit.result import LibraryComparison

if TYPE_CHECKING:  # pragma: no cover
    from audit.data import TabularDataset


class _RawModel:
    """scikit-learn style classifier over raw rows: preprocessing then the torch model."""

    def __init__(self, model: torch.nn.Module, dataset: TabularDataset) -> None:
        self.model, self.pre = model.eval(), dataset.preprocessor
        self.classes_ = np.array([0, 1])

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        X = torch.from_numpy(self.pre.transform(frame))
        with torch.no_grad():
            return torch.softmax(self.model(X), dim=1).numpy().astype(np.float64)

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return self.predict_proba(frame).argmax(axis=1)


def compare_with_dice(model: torch.nn.Module, dataset: TabularDataset, rows: Sequence[int], *,
                      n: int = 5, immutable: Sequence[str] | None = None,
                      method: str = "random", seed: int = 0) -> LibraryComparison:
    """Search the same test ``rows`` with dice-ml and with :func:`find_counterfactuals`.

    Returns speed (seconds per row), the share of rows with at least one counterfactual, the
    share of DiCE's counterfactuals that pass our verification (decision flipped, immutable
    features unchanged, values in range, categories valid), and the mean number of features
    changed and mean cost (MAD-L1) of the valid ones.

    Raises
    ------
    ImportError
        dice-ml is not installed (``pip install dice-ml``).
    """
    try:
        import dice_ml
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("compare_with_dice needs dice-ml: pip install dice-ml") from exc
    from audit.counterfactuals._space import feature_space

    space = feature_space(dataset, immutable)
    rows = [int(r) for r in rows]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dice-ml warns about pandas and scikit-learn internals
        found_rows, n_valid, n_total, n_changed, costs, seconds = _run_dice(
            dice_ml, model, dataset, space, rows, n, method, seed)
    ours = find_counterfactuals(model, dataset, rows, n=n, immutable=immutable, seed=seed)
    return LibraryComparison(
        library=f"dice-ml {getattr(dice_ml, '__version__', '')}".strip(), method=method,
        n_rows=len(rows), seconds_per_row=seconds / max(len(rows), 1),
        share_rows_found=found_rows / max(len(rows), 1),
        validity=n_valid / n_total if n_total else float("nan"),
        mean_n_changed=float(np.mean(n_changed)) if n_changed else float("nan"),
        ours_seconds_per_row=ours.seconds / max(len(rows), 1),
        ours_share_rows_found=float(ours.found.mean()) if len(rows) else float("nan"),
        ours_mean_n_changed=float(ours.n_changed.mean()) if len(ours.X) else float("nan"),
        mean_cost=float(np.mean(costs)) if costs else float("nan"),
        ours_mean_cost=float(ours.cost.mean()) if len(ours.X) else float("nan"))


def _run_dice(dice_ml, model, dataset, space, rows, n, method, seed):
    """DiCE on ``rows``: (rows found, valid cfs, cfs returned, features changed, costs, seconds)."""
    pre = dataset.preprocessor
    features = list(pre.numeric) + list(pre.categorical)
    train = dataset.train.raw[features].copy()
    train[dataset.target] = dataset.train.y
    data = dice_ml.Data(dataframe=train, continuous_features=list(pre.numeric),
                        outcome_name=dataset.target)
    wrapped = _RawModel(model, dataset)
    explainer = dice_ml.Dice(data, dice_ml.Model(model=wrapped, backend="sklearn"), method=method)
    query = dataset.test.raw[features].iloc[rows].reset_index(drop=True)
    vary = [f for f in features if f not in space.immutable]
    np.random.seed(seed)  # DiCE's random and genetic methods draw from numpy's global state
    tick = time.perf_counter()
    found_rows, n_valid, n_total, n_changed, costs = 0, 0, 0, [], []
    extra = {"random_seed": seed} if method == "random" else {}
    with contextlib.redirect_stderr(io.StringIO()):  # its progress bar
        result = explainer.generate_counterfactuals(
            query, total_CFs=n, desired_class="opposite", features_to_vary=vary, verbose=False,
            **extra)
    seconds = time.perf_counter() - tick
    for i, example in enumerate(result.cf_examples_list):
        frame = example.final_cfs_df
        if frame is None or len(frame) == 0:
            continue
        cf_raw = frame[features].astype({c: train[c].dtype for c in features})
        X = pre.transform(cf_raw)
        x0 = np.repeat(dataset.test.X[rows[i]][None, :], len(X), axis=0)
        desired = 1 - int(wrapped.predict(query.iloc[[i]])[0])
        ok = (wrapped.predict(cf_raw) == desired) & ~space.violations(X, x0)
        n_total += len(X)
        n_valid += int(ok.sum())
        found_rows += int(ok.any())
        n_changed += list(space.changed(X, x0)[ok].sum(axis=1))
        costs += list(space.feature_costs(X[ok], x0[ok]).sum(axis=1))
    return found_rows, n_valid, n_total, n_changed, costs, seconds
