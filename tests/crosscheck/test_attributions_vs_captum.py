"""Attributions against captum called directly: gradient and perturbation methods, groups."""

import pytest
import torch
from captum.attr import FeatureAblation, IntegratedGradients, ShapleyValueSampling

from audit.explain import Explainer
from audit.explain._explainers import ExplainedOutput


@pytest.fixture
def model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(),
                               torch.nn.Linear(8, 2)).eval()


@pytest.fixture
def rows():
    return torch.randn(12, 6, generator=torch.Generator().manual_seed(1))


def test_integrated_gradients_equal_captum(model, rows):
    base = torch.full((1, 6), 0.1)
    ours = Explainer(model, "integrated_gradients", baselines=base, n_steps=64).explain(rows)
    expected, delta = IntegratedGradients(ExplainedOutput(model)).attribute(
        rows, baselines=base, target=1, n_steps=64, return_convergence_delta=True)
    torch.testing.assert_close(ours.attributions, expected.detach().float(), atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(ours.convergence_delta, delta.detach().float(), atol=1e-6,
                               rtol=1e-4)


@pytest.mark.parametrize("method, captum_cls", [("feature_ablation", FeatureAblation),
                                                ("shapley_value_sampling", ShapleyValueSampling)])
def test_grouped_perturbation_methods_equal_captum_with_a_feature_mask(model, rows, method,
                                                                       captum_cls):
    groups = {"a": [0, 1], "b": [2], "c": [3, 4, 5]}
    mask = torch.tensor([[0, 0, 1, 2, 2, 2]])
    kwargs = {"n_samples": 8} if method == "shapley_value_sampling" else {}
    ours = Explainer(model, method, feature_groups=groups, seed=3, **kwargs).explain(rows)
    torch.manual_seed(3)
    expected = captum_cls(ExplainedOutput(model)).attribute(
        rows, baselines=torch.zeros(1, 6), target=1, feature_mask=mask, **kwargs).detach()
    # captum gives every column the group's attribution; ours spreads it over the columns
    for cols in groups.values():
        torch.testing.assert_close(ours.attributions[:, cols].sum(dim=1),
                                   expected[:, cols[0]].float(), atol=1e-6, rtol=1e-5)
