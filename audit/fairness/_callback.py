"""Fairness tracked during training: a callback evaluating the validation split each epoch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from audit.core import (
    COUNT_METRICS,
    GroupCounts,
    binary_array,
    encode_groups,
    partition_name,
    sensitive_frame,
)
from audit.fairness._config import FairnessAuditConfig
from audit.training import Callback, TrainerControl, TrainerState

#: Group metrics recorded as scalars each epoch (all count metrics go into the details).
TRACKED_METRICS = ("accuracy", "selection_rate", "true_positive_rate", "false_positive_rate")
#: Disparities recorded as scalars each epoch.
TRACKED_DISPARITIES = ("demographic_parity_difference", "equalized_odds_difference",
                       "equal_opportunity_difference", "demographic_parity_ratio")


def scalar_name(metric: str, partition: str, group: str | None = None) -> str:
    """History key of a tracked value.

    Examples
    --------
    >>> scalar_name("accuracy", "sex", "Female")
    'fairness/accuracy[sex=Female]'
    >>> scalar_name("demographic_parity_difference", "sex")
    'fairness/demographic_parity_difference[sex]'
    """
    return f"fairness/{metric}[{partition}={group}]" if group is not None else \
        f"fairness/{metric}[{partition}]"


class FairnessCallback(Callback):
    """Evaluate group metrics and disparities on held-out rows after every epoch.

    Scalars go into the epoch's metrics (``fairness/accuracy[sex=Female]``,
    ``fairness/demographic_parity_difference[sex]``); every count metric of every group goes
    into the epoch's details under ``"fairness"``. Intervals are not computed here (they would
    slow training); the final audit has them.

    Parameters
    ----------
    X : numpy.ndarray
        Encoded features of the evaluation rows (e.g. ``dataset.validation.X``).
    y : array-like of 0/1
    sensitive_features : DataFrame
        Group labels of the same rows, one column per feature.
    partitions : sequence of sequence of str, optional
        Feature combinations to track (default: each column alone).
    config : FairnessAuditConfig, optional
        Decision threshold and NaN policy.

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
    >>> cb = FairnessCallback(ds.validation.X, ds.validation.y, ds.validation.sensitive)
    >>> run = fit(model, ds.train.to_torch(), epochs=5, batch_size=32, learning_rate=0.05,
    ...           callbacks=[cb], progress=False)
    >>> round(run.history[-1].metrics["fairness/demographic_parity_difference[sex]"], 2)
    0.45
    """

    def __init__(self, X: Any, y: Any, sensitive_features: Any, *,
                 partitions: Sequence[Sequence[str]] | None = None,
                 config: FairnessAuditConfig | None = None) -> None:
        self.config = config or FairnessAuditConfig()
        self.X = np.asarray(X, dtype=np.float32)
        self.y = binary_array("y", y)
        frame = sensitive_frame(sensitive_features)
        parts = [tuple(p) for p in (partitions or [[c] for c in frame.columns])]
        self._encoded = []
        for features in parts:
            enc = encode_groups(sensitive_frame(frame, features), nan_policy=self.config.nan_policy,
                                max_groups=self.config.max_groups)
            self._encoded.append(enc)
        self.history: list[dict[str, Any]] = []

    def evaluate(self, model) -> dict[str, GroupCounts]:
        """Counts per partition for ``model``'s predictions on the evaluation rows."""
        from audit.models import predict_proba

        scores = predict_proba(model, self.X)
        y_pred = (scores >= self.config.threshold).astype(np.int8)
        return {partition_name(enc.features): GroupCounts.from_codes(
                    self.y, y_pred, enc.codes, enc.groups, enc.features, n_dropped=enc.n_dropped)
                for enc in self._encoded}

    def on_epoch_end(self, state: TrainerState, control: TrainerControl) -> None:
        detail: dict[str, Any] = {}
        for name, counts in self.evaluate(state.model).items():
            metrics = counts.metrics()
            disparities = counts.disparities()
            for d in TRACKED_DISPARITIES:
                control.record(scalar_name(d, name), disparities[d])
            for i, group in enumerate(counts.names):
                for m in TRACKED_METRICS:
                    control.record(scalar_name(m, name, group), metrics[m][i])
            detail[name] = {
                "groups": list(counts.names),
                "sizes": [int(s) for s in counts.sizes],
                "metrics": {m: [None if np.isnan(v) else float(v) for v in metrics[m]]
                            for m in COUNT_METRICS},
                "disparities": {k: None if np.isnan(v) else v for k, v in disparities.items()},
            }
        control.record_detail("fairness", detail)
        self.history.append({"epoch": state.epoch, **detail})

    def state_dict(self) -> dict[str, Any]:
        return {"history": list(self.history)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.history = list(state.get("history", []))


def tracked_frame(history) -> pd.DataFrame:
    """The fairness scalars of a run history as a frame indexed by epoch (one column per key).

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
    >>> cb = FairnessCallback(ds.validation.X, ds.validation.y, ds.validation.sensitive)
    >>> run = fit(model, ds.train.to_torch(), epochs=5, batch_size=32, learning_rate=0.05,
    ...           callbacks=[cb], progress=False)
    >>> frame = tracked_frame(run.history)
    >>> frame.shape, frame["fairness/demographic_parity_difference[sex]"].round(2).tolist()
    ((5, 12), [0.05, 0.4, 0.35, 0.4, 0.45])
    """
    rows = [{"epoch": r.epoch, **{k: v for k, v in r.metrics.items() if k.startswith("fairness/")}}
            for r in history]
    return pd.DataFrame(rows).set_index("epoch") if rows else pd.DataFrame()
