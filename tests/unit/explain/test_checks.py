"""Trust checks: completeness, infidelity, randomisation sanity check, agreement."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from captum.attr import Attribution

from audit.explain import (
    METHODS,
    Explainer,
    Explanation,
    MethodSpec,
    aggregate,
    agreement_checks,
    completeness_check,
    infidelity_check,
    randomisation_check,
    randomised_copy,
    sensitivity_check,
)
from audit.training import fit


class InputOnly(Attribution):
    """A "method" that ignores the model: attribution = input - baseline."""

    def attribute(self, inputs, baselines=None, target=None):
        return inputs - (baselines if baselines is not None else 0.0)


@pytest.fixture
def input_only(monkeypatch):
    spec = MethodSpec("input_only", "ignores the model", InputOnly, is_gradient_based=False,
                      needs_baseline=True)
    monkeypatch.setitem(METHODS, "input_only", spec)
    return spec


@pytest.fixture(scope="module")
def wide_linear():
    """A linear classifier trained on 12 features whose true weights fall steadily."""
    torch.manual_seed(0)
    X = torch.randn(2000, 12)
    weights = torch.linspace(3.0, 0.0, 12)
    y = (X @ weights + 0.3 * torch.randn(2000) > 0).long()
    torch.manual_seed(0)
    model = torch.nn.Linear(12, 2)
    fit(model, torch.utils.data.TensorDataset(X, y), epochs=10, learning_rate=0.05,
        progress=False, device="cpu")
    return model, X[:200]


def test_randomisation_check_flags_a_method_that_ignores_the_model(wide_linear, input_only):
    model, X = wide_linear
    base = torch.zeros(1, 12)
    ignorant = Explainer(model, "input_only", baselines=base)
    trained = ignorant.explain(X).attributions.numpy()
    flagged = randomisation_check(ignorant, X, trained, target=1, threshold=0.5)
    assert flagged.status == "warn" and flagged.value == pytest.approx(1.0)

    ig = Explainer(model, "integrated_gradients", baselines=base)
    passed = randomisation_check(ig, X, ig.explain(X).attributions.numpy(), target=1,
                                 threshold=0.5)
    assert passed.status == "pass" and passed.value < 0.5, passed


def test_randomised_copy_changes_every_weight_and_leaves_the_model_alone(wide_linear):
    model, _ = wide_linear
    before = [p.detach().clone() for p in model.parameters()]
    clone = randomised_copy(model, seed=0)
    for original, kept, new in zip(before, model.parameters(), clone.parameters()):
        assert torch.equal(original, kept)
        assert not torch.equal(original, new)
    again = randomised_copy(model, seed=0)
    assert all(torch.equal(a, b) for a, b in zip(clone.parameters(), again.parameters()))


def test_completeness_check_statuses():
    attributions = torch.tensor([[1.0, 1.0], [0.5, 0.0]])
    good = Explanation(attributions, torch.tensor([0.01, -0.02]), "integrated_gradients", 1,
                       "zeros", 64)
    bad = Explanation(attributions, torch.tensor([0.3, 0.0]), "integrated_gradients", 1,
                      "zeros", 64)
    assert completeness_check(good, 0.05).status == "pass"
    outcome = completeness_check(bad, 0.05)
    # f(x) - f(b) = 2 - 0.3 = 1.7 for row 0: relative error 0.3 / 1.7
    assert outcome.status == "warn" and outcome.value == pytest.approx(0.3 / 1.7)
    assert "n_steps" in outcome.detail
    # GradientShap adds up only in expectation: its delta is measured, and flagged when large
    shap = Explanation(attributions, torch.zeros(2), "gradient_shap", 1, "zeros", 64)
    assert completeness_check(shap, 0.05).status == "pass"
    noisy = completeness_check(Explanation(attributions, torch.tensor([0.3, 0.0]),
                                           "gradient_shap", 1, "zeros", 64), 0.05)
    assert noisy.status == "warn" and "n_samples" in noisy.detail
    assert noisy.detail.startswith("in expectation")
    saliency = Explanation(attributions, None, "saliency", 1, "none", 64)
    assert completeness_check(saliency, 0.05).status == "not applicable"


def test_completeness_check_counts_every_delta_shown():
    """A row explained on its own (as the report shows rows) with a delta of 2.96 is flagged
    even when the sampled rows all pass."""
    sampled = Explanation(torch.ones(4, 2), torch.full((4,), 0.001), "integrated_gradients", 1,
                          "zeros", 64)
    shown = Explanation(torch.tensor([[0.5, 0.5]]), torch.tensor([2.96]),
                        "integrated_gradients", 1, "zeros", 64)
    assert completeness_check(sampled, 0.05).status == "pass"
    outcome = completeness_check(sampled, 0.05, also=[shown])
    # f(x) - f(b) = 1 - 2.96: relative error 2.96 / 1.96
    assert outcome.status == "warn" and outcome.value == pytest.approx(2.96 / 1.96)
    assert "max over 4 rows (and 1 rows explained one by one)" in outcome.detail
    assert "largest |delta| 3" in outcome.detail


@pytest.mark.parametrize("method", ["integrated_gradients", "saliency", "feature_ablation"])
def test_infidelity_of_exact_attributions_of_a_linear_model_is_zero(linear_model, method):
    X = torch.randn(16, 5)
    base = torch.zeros(1, 5)
    explainer = Explainer(linear_model, method, baselines=base,
                          feature_groups={"a": (0,), "b": (1, 2), "c": (3, 4)})
    outcome = infidelity_check(explainer, X, explainer.explain(X), reference=base,
                               threshold=0.1)
    assert outcome.value == pytest.approx(0.0, abs=1e-6) and outcome.status == "pass"


def test_infidelity_of_shuffled_attributions_is_high(linear_model):
    X = torch.randn(32, 5)
    base = torch.zeros(1, 5)
    explainer = Explainer(linear_model, "integrated_gradients", baselines=base)
    good = explainer.explain(X)
    shuffled = Explanation(good.attributions[:, [4, 3, 0, 2, 1]], None, good.method, 1,
                           "zeros", 1)
    outcome = infidelity_check(explainer, X, shuffled, reference=base, threshold=0.1)
    assert outcome.value > 0.3 and outcome.status == "warn"


def test_sensitivity_of_a_linear_model_saliency_is_zero(linear_model):
    outcome = sensitivity_check(Explainer(linear_model, "saliency"), torch.randn(8, 5),
                                target=1, threshold=0.1)
    assert outcome.value == pytest.approx(0.0, abs=1e-6) and outcome.status == "pass"


def test_agreement_checks_use_the_median_of_the_other_methods():
    matrix = np.array([[1.0, 0.9, 0.8], [0.9, 1.0, -0.2], [0.8, -0.2, 1.0]])
    out = {c.method: c for c in agreement_checks(["a", "b", "c"], matrix, 0.5)}
    assert out["a"].value == pytest.approx(0.85) and out["a"].status == "pass"
    assert out["c"].value == pytest.approx(0.3) and out["c"].status == "warn"


def test_aggregated_randomisation_uses_original_features(tiny_model, tiny_dataset):
    X = torch.from_numpy(tiny_dataset.test.X[:30])
    explainer = Explainer(tiny_model, "deeplift", baselines=torch.zeros(1, X.shape[1]),
                          feature_groups=tiny_dataset.feature_groups)
    grouped = aggregate(explainer.explain(X).attributions, tiny_dataset.feature_groups)
    outcome = randomisation_check(explainer, X, grouped, target=1, threshold=0.5)
    assert "30 rows" in outcome.detail and -1.0 <= outcome.value <= 1.0
