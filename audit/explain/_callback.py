"""A training callback that records global importance after every epoch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from audit.explain._baselines import Baseline
from audit.explain._config import MethodName, OutputKind
from audit.explain._explainers import Explainer, without_hooks
from audit.explain._summary import spearman
from audit.explain._tabular import aggregate
from audit.training import Callback, TrainerControl, TrainerState

#: Detail key holding ``{feature: mean |attribution|}`` in each epoch's history record.
DETAIL_KEY = "explain/global_importance"
#: Metric: Spearman rho of this epoch's importance with the previous epoch's (drift).
DRIFT_METRIC = "explain/rank_correlation_previous_epoch"


class AttributionCallback(Callback):
    """Record global importance (mean |attribution| per original feature) at each epoch end.

    Writes ``control.record_detail("explain/global_importance", {feature: value})`` and, from
    the second epoch, ``control.record("explain/rank_correlation_previous_epoch", rho)`` so drift
    of what the model relies on (e.g. under DP noise) can be plotted.

    Parameters
    ----------
    inputs : array-like
        ``(n_rows, n_features)`` encoded rows explained every epoch (e.g. validation rows).
    feature_groups : mapping of str to sequence of int
        Original feature to its encoded columns.
    method : str
        Attribution method (default Integrated Gradients with ``n_steps`` steps).
    baselines : torch.Tensor or Baseline, optional
        A :class:`~audit.explain.Baseline` from :func:`~audit.explain.make_baselines` lets a
        model with embeddings get the mean embedding of the model being trained each epoch.
    target : int
    output : {"margin", "logit"}
    n_steps : int
    every : int
        Record every ``every`` epochs (and always at the last one).
    seed : int

    Examples
    --------
    >>> import torch
    >>> from torch.utils.data import TensorDataset
    >>> from audit.training import fit
    >>> X = torch.randn(64, 3)
    >>> cb = AttributionCallback(X[:16], {"a": (0,), "b": (1, 2)}, n_steps=8)
    >>> run = fit(torch.nn.Linear(3, 2), TensorDataset(X, (X[:, 0] > 0).long()), epochs=2,
    ...           callbacks=[cb], progress=False)
    >>> sorted(run.history[-1].details["explain/global_importance"])
    ['a', 'b']
    """

    def __init__(self, inputs: Any, feature_groups: Mapping[str, Sequence[int]], *,
                 method: MethodName = "integrated_gradients",
                 baselines: torch.Tensor | Baseline | None = None, target: int = 1,
                 output: OutputKind = "margin", n_steps: int = 20, every: int = 1,
                 seed: int = 0) -> None:
        self.inputs = torch.as_tensor(np.asarray(inputs, dtype=np.float32))
        self.feature_groups = dict(feature_groups)
        self.method, self.baselines, self.target = method, baselines, target
        self.output, self.n_steps, self.every, self.seed = output, n_steps, max(1, every), seed
        self.history: list[dict[str, float]] = []

    def on_epoch_end(self, state: TrainerState, control: TrainerControl) -> None:
        if state.epoch % self.every and state.epoch != state.epochs:
            return
        # opacus hooks the model's layers during DP training: explain a hook-free copy
        explainer = Explainer(without_hooks(state.model), self.method, baselines=self.baselines,
                              feature_groups=self.feature_groups, output=self.output,
                              n_steps=self.n_steps, seed=self.seed)
        grouped = aggregate(explainer.explain(self.inputs, target=self.target).attributions,
                            self.feature_groups)
        importance = dict(zip(self.feature_groups, np.abs(grouped).mean(axis=0).tolist()))
        control.record_detail(DETAIL_KEY, importance)
        if self.history:
            previous = self.history[-1]
            control.record(DRIFT_METRIC, spearman(np.array(list(previous.values())),
                                                  np.array(list(importance.values()))))
        self.history.append(importance)

    def state_dict(self) -> dict[str, Any]:
        return {"history": [dict(h) for h in self.history]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.history = [dict(h) for h in state.get("history", [])]
