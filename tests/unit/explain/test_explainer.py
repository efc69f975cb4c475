"""The Explainer: captum's maths on known models, batching, determinism, hooks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from audit.explain import METHODS, ExplainedOutput, Explainer, _batching, aggregate, make_baselines

X = torch.tensor([[1.0, 2.0, 0.0, 1.0, -1.0], [0.5, -1.0, 1.0, 0.0, 2.0],
                  [-2.0, 0.0, 0.5, 1.5, 0.0]])
BASE = torch.tensor([[0.2, 0.1, -0.3, 0.4, 0.0]])
MARGIN_W = torch.tensor([1.0, 2.0, -2.0, -1.5, 0.0])  # w1 - w0 of the linear fixture
LOGIT_W = torch.tensor([1.5, 1.0, -2.0, 0.5, 1.0])


@pytest.mark.parametrize("method", ["integrated_gradients", "deeplift"])
@pytest.mark.parametrize("output, weights", [("margin", MARGIN_W), ("logit", LOGIT_W)])
def test_linear_model_attributions_are_weight_times_input_minus_baseline(
        linear_model, method, output, weights):
    result = Explainer(linear_model, method, baselines=BASE, output=output).explain(X, target=1)
    torch.testing.assert_close(result.attributions, weights * (X - BASE), atol=1e-5, rtol=0)
    assert result.convergence_delta.abs().max() < 1e-5


@pytest.mark.parametrize("output, weights", [("margin", MARGIN_W), ("logit", LOGIT_W)])
def test_saliency_of_a_linear_model_is_its_signed_weight(linear_model, output, weights):
    result = Explainer(linear_model, "saliency", output=output).explain(X, target=1)
    torch.testing.assert_close(result.attributions, weights.expand_as(X), atol=1e-6, rtol=0)
    assert result.convergence_delta is None
    assert result.baseline == "none (local gradient)"


def test_deeplift_shap_averages_over_the_baseline_distribution(linear_model):
    base = torch.tensor([[0.0, 0.0, 0.0, 0.0, 0.0], [1.0, -1.0, 2.0, 0.0, 1.0]])
    result = Explainer(linear_model, "deeplift_shap", baselines=base).explain(X)
    expected = MARGIN_W * (X - base.mean(dim=0))
    torch.testing.assert_close(result.attributions, expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("method", ["feature_ablation", "shapley_value_sampling", "kernel_shap"])
def test_group_methods_perturb_whole_groups_and_aggregate_to_group_sums(
        linear_model, linear_groups, method):
    explainer = Explainer(linear_model, method, baselines=BASE, feature_groups=linear_groups,
                          kernel_shap_samples=64)
    assert explainer.uses_feature_mask
    grouped = aggregate(explainer.explain(X).attributions, linear_groups)
    expected = aggregate(MARGIN_W * (X - BASE), linear_groups)
    np.testing.assert_allclose(grouped, expected, atol=1e-4)


def test_integrated_gradients_completeness_axiom(tiny_model, tiny_dataset):
    x = torch.from_numpy(tiny_dataset.test.X[:40])
    base = make_baselines(tiny_dataset.train.X, "mean").values
    result = Explainer(tiny_model, "integrated_gradients", baselines=base,
                       n_steps=200).explain(x, target=1)
    forward = ExplainedOutput(tiny_model)
    with torch.no_grad():
        change = (forward(x)[:, 1] - forward(base)[:, 1]).double()
    total = result.attributions.double().sum(dim=1)
    # captum's delta is exactly the completeness error, and it is small with 200 steps
    torch.testing.assert_close(total - change, result.convergence_delta.double(), atol=1e-4,
                               rtol=0)
    assert result.convergence_delta.abs().max() < 1e-2


def test_rows_select_a_subset(linear_model):
    full = Explainer(linear_model, "saliency").explain(X)
    part = Explainer(linear_model, "saliency").explain(X, rows=[2, 0])
    torch.testing.assert_close(part.attributions, full.attributions[[2, 0]])


@pytest.mark.parametrize("method", ["gradient_shap", "shapley_value_sampling", "kernel_shap"])
def test_stochastic_methods_are_deterministic_with_a_seed(tiny_model, tiny_dataset, method):
    x = torch.from_numpy(tiny_dataset.test.X[:8])
    base = make_baselines(tiny_dataset.train.X, "sample", n_samples=10).values
    if method != "gradient_shap":
        base = base.mean(dim=0, keepdim=True)

    def make(seed):
        return Explainer(tiny_model, method, baselines=base, seed=seed, n_samples=5,
                         kernel_shap_samples=20,
                         feature_groups=tiny_dataset.feature_groups).explain(x)

    torch.manual_seed(123)
    np.random.seed(123)
    expected_next = (torch.rand(1), np.random.rand())
    torch.manual_seed(123)
    np.random.seed(123)
    a = make(0)
    assert (torch.rand(1), np.random.rand()) == expected_next, "global RNG states are untouched"
    torch.testing.assert_close(a.attributions, make(0).attributions, atol=0, rtol=0)
    assert not torch.equal(a.attributions, make(1).attributions)


def test_noise_tunnel_smoothing(linear_model):
    explainer = Explainer(linear_model, "saliency", smoothing="smoothgrad", smoothing_samples=4)
    assert explainer.name == "saliency+smoothgrad" and not explainer.has_convergence_delta
    # the gradient of a linear model does not depend on the noise
    torch.testing.assert_close(explainer.explain(X).attributions, MARGIN_W.expand_as(X),
                               atol=1e-5, rtol=0)


def test_capability_flags_match_captum():
    assert METHODS["integrated_gradients"].has_convergence_delta
    assert METHODS["deeplift_shap"].baseline_distribution
    assert not METHODS["kernel_shap"].is_gradient_based and METHODS["kernel_shap"].uses_feature_mask
    assert not METHODS["saliency"].needs_baseline and not METHODS["saliency"].multiplies_by_inputs


class _RaisesOnLargeBatches(torch.nn.Module):
    """Linear(5, 2) that fails on batches above ``limit`` rows with ``message``."""

    def __init__(self, inner: torch.nn.Module, limit: int, message: str) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.net = torch.nn.Sequential(inner, torch.nn.ReLU(), torch.nn.Linear(2, 2))
        self.limit, self.message, self.calls = limit, message, 0

    def forward(self, x):
        self.calls += 1
        if len(x) > self.limit:
            raise RuntimeError(self.message)
        return self.net(x)


def test_out_of_memory_is_retried_with_smaller_batches(linear_model):
    reference = Explainer(_RaisesOnLargeBatches(linear_model, 10**9, ""), "integrated_gradients",
                          baselines=BASE, n_steps=20).explain(X)
    model = _RaisesOnLargeBatches(linear_model, 25, "CUDA out of memory. Tried to allocate 2 GiB")
    result = Explainer(model, "integrated_gradients", baselines=BASE, n_steps=20,
                       internal_batch_size=400).explain(X)
    assert result.batch_size <= 25
    torch.testing.assert_close(result.attributions, reference.attributions, atol=1e-5, rtol=0)


def _hooks(model: torch.nn.Module) -> list:
    return [(name, kind) for name, m in model.named_modules()
            for kind in ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks",
                         "_backward_pre_hooks") if getattr(m, kind)]


@pytest.mark.parametrize("method", ["deeplift", "deeplift_shap", "integrated_gradients"])
def test_no_hooks_remain_after_an_error(linear_model, method):
    model = _RaisesOnLargeBatches(linear_model, 16, "boom: not a memory error")
    base = torch.zeros(3, 5) if method == "deeplift_shap" else None
    inputs = torch.randn(20, 5)
    with pytest.raises(RuntimeError, match="boom"):
        Explainer(model, method, baselines=base).explain(inputs)
    assert _hooks(model) == []
    assert model.training, "the model's mode is restored"


def test_auto_batch_size_follows_free_memory(monkeypatch, linear_model):
    x = torch.zeros(4, 5)
    roomy = _batching.auto_batch_size(linear_model, x)
    assert _batching.MIN_BATCH <= roomy <= _batching.MAX_CPU_BATCH
    per_row = _batching.activation_bytes_per_row(linear_model, x)
    monkeypatch.setattr(_batching, "available_memory", lambda device: 40 * per_row)
    # a quarter of the memory, three times the activations per row: 3 rows fit
    assert _batching.auto_batch_size(linear_model, x) == 3
    monkeypatch.setattr(_batching, "available_memory", lambda device: 0)
    assert _batching.auto_batch_size(linear_model, x) == 1
    assert _hooks(linear_model) == []


@pytest.mark.parametrize("method", ["integrated_gradients", "deeplift", "saliency",
                                    "gradient_shap", "deeplift_shap"])
def test_summed_gradients_give_captums_numbers(tiny_model, tiny_dataset, method):
    """We replace captum's per-row gradient roots by one summed root: same attributions."""
    from captum.attr import DeepLift, DeepLiftShap, GradientShap, IntegratedGradients, Saliency

    x = torch.from_numpy(tiny_dataset.test.X[:24])
    base = make_baselines(tiny_dataset.train.X, "sample", n_samples=6).values
    single = base.mean(dim=0, keepdim=True)
    ours = Explainer(tiny_model, method, seed=5, n_steps=20, n_samples=4,
                     baselines=base if method in ("gradient_shap", "deeplift_shap") else single)
    got = ours.explain(x, target=1).attributions
    forward = ExplainedOutput(tiny_model).eval()
    captum_cls = {"integrated_gradients": IntegratedGradients, "deeplift": DeepLift,
                  "saliency": Saliency, "gradient_shap": GradientShap,
                  "deeplift_shap": DeepLiftShap}[method]
    kwargs = {"integrated_gradients": {"baselines": single, "n_steps": 20},
              "deeplift": {"baselines": single}, "saliency": {"abs": False},
              "gradient_shap": {"baselines": base, "n_samples": 4},
              "deeplift_shap": {"baselines": base}}[method]
    torch.manual_seed(5)
    np.random.seed(5)
    with pytest.warns(UserWarning) if method.startswith("deeplift") else _no_warning():
        expected = captum_cls(forward).attribute(x.clone().requires_grad_(), target=1, **kwargs)
    torch.testing.assert_close(got, expected.detach(), atol=1e-5, rtol=1e-5)


def _no_warning():
    import contextlib

    return contextlib.nullcontext()


def test_small_models_run_single_threaded_and_the_setting_is_restored(linear_model):
    seen = []

    class Spy(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = linear_model

        def forward(self, x):
            seen.append(torch.get_num_threads())
            return self.inner(x)

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        Explainer(Spy(), "saliency").explain(X)
        # the first forward is the one-row size probe that decides
        assert set(seen[1:]) == {1} and torch.get_num_threads() == 2
        seen.clear()
        Explainer(Spy(), "saliency", cpu_threads=None).explain(X)
        assert set(seen) == {2}
    finally:
        torch.set_num_threads(before)
