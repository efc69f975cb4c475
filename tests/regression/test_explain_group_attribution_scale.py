"""Regression: with a ``feature_mask``, captum gives every column of a group the group's whole
attribution, so summing a one-hot group's columns multiplied it by the group size
(``occupation``, 15 columns, came out 15x too important). The Explainer now spreads a group's
attribution evenly over its columns."""

from __future__ import annotations

import numpy as np
import torch

from audit.explain import ExplainedOutput, Explainer, aggregate


def test_ablation_of_a_one_hot_group_equals_the_output_change():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    groups = {"num": (0,), "colour": (1, 2, 3, 4, 5)}
    x = torch.tensor([[0.5, 0.0, 1.0, 0.0, 0.0, 0.0], [-1.0, 0.0, 0.0, 0.0, 0.0, 1.0]])
    base = torch.tensor([[0.0, 0.2, 0.2, 0.2, 0.2, 0.2]])
    grouped = aggregate(Explainer(model, "feature_ablation", baselines=base,
                                  feature_groups=groups).explain(x).attributions, groups)
    ablated = x.clone()
    ablated[:, 1:] = base[:, 1:]
    forward = ExplainedOutput(model)
    with torch.no_grad():
        expected = (forward(x)[:, 1] - forward(ablated)[:, 1]).numpy()
    np.testing.assert_allclose(grouped[:, 1], expected, atol=1e-6)
