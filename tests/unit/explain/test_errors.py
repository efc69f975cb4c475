"""Bad input raises typed errors that say what was expected, what arrived and how to fix it."""

from __future__ import annotations

import pytest
import torch

from audit.errors import RaiAuditError
from audit.explain import (
    BaselineShapeError,
    Explainer,
    FeatureGroupsError,
    NotDifferentiableError,
    RowsNotFoundError,
    TargetOutOfRangeError,
)

X = torch.ones(5, 5)


def test_target_out_of_range(linear_model):
    with pytest.raises(TargetOutOfRangeError) as info:
        Explainer(linear_model).explain(X, target=2)
    message = str(info.value)
    assert isinstance(info.value, (RaiAuditError, ValueError))
    assert message == ("target: expected a class index in [0, 1] (the model has 2 outputs), "
                       "got 2. Fix: pass target=1 for the positive class of a binary model")


def test_baseline_of_the_wrong_shape(linear_model):
    with pytest.raises(BaselineShapeError) as info:
        Explainer(linear_model, baselines=torch.zeros(1, 4)).explain(X)
    assert "expected shape (5,), (1, 5) or (5, 5), got shape (1, 4)" in str(info.value)
    assert "make_baselines" in str(info.value)


def test_shap_methods_need_a_baseline_distribution(linear_model):
    with pytest.raises(BaselineShapeError, match=r"shape \(k >= 2, 5\).*got shape \(1, 5\)"):
        Explainer(linear_model, "deeplift_shap", baselines=torch.zeros(1, 5)).explain(X)


def test_rows_that_do_not_exist(linear_model):
    with pytest.raises(RowsNotFoundError) as info:
        Explainer(linear_model, "saliency").explain(X, rows=[0, 7, -1])
    assert str(info.value) == ("rows: expected row indices in [0, 4] (5 rows), got 2 missing: "
                               "7, -1. Fix: pick rows that exist (indices count from 0) or pass "
                               "more rows")


class _Rounded(torch.nn.Module):
    """A step-function model: its input gradient is zero everywhere."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(torch.round(x * 0.0 + x.detach().round()))


class _Detached(torch.nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x).detach()


@pytest.mark.parametrize("wrapper, says", [(_Rounded, "zero gradient"),
                                           (_Detached, "without gradient")])
def test_not_differentiable_names_the_methods_that_still_work(linear_model, wrapper, says):
    model = wrapper(linear_model)
    with pytest.raises(NotDifferentiableError) as info:
        Explainer(model, "integrated_gradients").explain(X)
    message = str(info.value)
    assert says in message
    assert "feature_ablation, kernel_shap, shapley_value_sampling" in message
    # ...and they do
    assert Explainer(model, "feature_ablation").explain(X).attributions.shape == (5, 5)


def test_feature_groups_must_partition_the_columns(linear_model):
    with pytest.raises(FeatureGroupsError, match="column 1 is in both 'a' and 'b'"):
        Explainer(linear_model, "feature_ablation",
                  feature_groups={"a": (0, 1), "b": (1, 2, 3, 4)}).explain(X)
