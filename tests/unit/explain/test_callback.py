"""The training callback records global importance per epoch."""

from __future__ import annotations

import pytest

from audit.explain import AttributionCallback, ExplainabilityAuditConfig, training_callbacks
from audit.explain._callback import DETAIL_KEY, DRIFT_METRIC
from audit.models import TabularMLP
from audit.training import fit, seed_everything


def test_callback_records_importance_each_epoch(tiny_dataset):
    seed_everything(0)
    model = TabularMLP(tiny_dataset.n_features, hidden_sizes=(8,), dropout=0.1)
    callback = AttributionCallback(tiny_dataset.validation.X[:32], tiny_dataset.feature_groups,
                                   n_steps=8)
    run = fit(model, tiny_dataset.train.to_torch(), epochs=3, batch_size=128, progress=False,
              callbacks=[callback], device="cpu")
    details = [record.details[DETAIL_KEY] for record in run.history]
    assert len(details) == 3
    assert all(list(d) == list(tiny_dataset.feature_groups) for d in details)
    assert all(v >= 0 for d in details for v in d.values())
    assert DRIFT_METRIC not in run.history[0].metrics
    assert -1.0 <= run.history[2].metrics[DRIFT_METRIC] <= 1.0
    # what the model relies on changes as it learns
    assert details[0] != details[2]
    restored = AttributionCallback(tiny_dataset.validation.X[:4], tiny_dataset.feature_groups)
    restored.load_state_dict(callback.state_dict())
    assert restored.history == details


def test_training_callbacks_follow_the_config(tiny_dataset):
    assert training_callbacks(tiny_dataset, ExplainabilityAuditConfig(), 0) == []
    off = ExplainabilityAuditConfig(enabled=True, record_during_training=False)
    assert training_callbacks(tiny_dataset, off, 0) == []
    (callback,) = training_callbacks(tiny_dataset,
                                     ExplainabilityAuditConfig(enabled=True, training_rows=20), 0)
    assert isinstance(callback, AttributionCallback) and len(callback.inputs) == 20


def test_config_refuses_unknown_methods_and_keys():
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        ExplainabilityAuditConfig(methods=("lime",))
    with pytest.raises(ValidationError):
        ExplainabilityAuditConfig(n_step=10)
