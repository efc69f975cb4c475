"""Regression: fairlearn 0.15's ExponentiatedGradient warns under pandas 3 (Pandas4Warning from
``utility_parity.load_data``), which failed every mitigation run under ``filterwarnings=error``;
run_mitigations silences exactly that category from fairlearn's modules."""

import numpy as np
import pandas as pd

from audit.data import build_tabular_dataset
from audit.fairness import FairnessAuditConfig, run_mitigations
from audit.models import build_model


def test_exponentiated_gradient_runs_without_pandas_warnings():
    rng = np.random.default_rng(1)
    n = 600
    sex = rng.choice(["F", "M"], n)
    x = rng.normal(size=n) + (sex == "M")
    frame = pd.DataFrame({"x": x, "sex": sex, "y": np.where(x > 0.5, "hi", "lo")})
    ds = build_tabular_dataset(frame.iloc[:450], frame.iloc[450:], target="y",
                               positive_label="hi", sensitive_features=["sex"])
    model = build_model("mlp", input_width=ds.n_features, hidden_sizes=[4], dropout=0.0)
    config = FairnessAuditConfig(bootstrap_replicates=0, mitigation={
        "enabled": True, "methods": ["exponentiated_gradient"], "constraints": ["demographic_parity"],
        "exponentiated_gradient_max_iter": 2, "batch_size": 128})
    (outcome,) = run_mitigations(ds, model, config, seed=0)
    assert outcome.method == "exponentiated_gradient[demographic_parity]"
