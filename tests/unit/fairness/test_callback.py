"""The training callback records group metrics and disparities every epoch."""

import numpy as np
import pytest
import torch
from torch.utils.data import TensorDataset

from audit.fairness import FairnessCallback, GroupCounts, tracked_frame
from audit.models import predict_proba
from audit.training import fit


def _data(n=800, seed=0):
    rng = np.random.default_rng(seed)
    sex = rng.choice(["Female", "Male"], n)
    X = np.column_stack([rng.normal(size=n), (sex == "Male").astype(float)]).astype(np.float32)
    y = (X[:, 0] + X[:, 1] + rng.normal(scale=0.5, size=n) > 0.5).astype(np.int64)
    return X, y, sex


def test_callback_records_scalars_and_details_each_epoch():
    X, y, sex = _data()
    cb = FairnessCallback(X[:200], y[:200], {"sex": sex[:200]})
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    run = fit(model, TensorDataset(torch.from_numpy(X[200:]), torch.from_numpy(y[200:])),
              epochs=3, batch_size=64, progress=False, callbacks=[cb], device="cpu")
    assert len(run.history) == 3
    last = run.history[-1]
    # the last epoch's numbers are the final model's
    pred = (predict_proba(run.model, X[:200]) >= 0.5).astype(int)
    counts = GroupCounts.from_predictions(y[:200], pred, {"sex": sex[:200]})
    acc = counts.metrics()["accuracy"]
    assert last.metrics["fairness/accuracy[sex=Female]"] == pytest.approx(acc[0], abs=1e-12)
    assert last.metrics["fairness/accuracy[sex=Male]"] == pytest.approx(acc[1], abs=1e-12)
    assert last.metrics["fairness/demographic_parity_difference[sex]"] == pytest.approx(
        counts.disparities()["demographic_parity_difference"], abs=1e-12)
    detail = last.details["fairness"]["sex"]
    assert detail["groups"] == ["Female", "Male"] and sum(detail["sizes"]) == 200
    frame = tracked_frame(run.history)
    assert list(frame.index) == [1, 2, 3] and "fairness/accuracy[sex=Female]" in frame
    assert len(cb.state_dict()["history"]) == 3
