"""Encoded columns aggregate back to original features."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from audit.explain import FeatureGroupsError, aggregate, feature_mask


def test_aggregate_sums_within_each_group():
    values = np.arange(10, dtype=float).reshape(2, 5)
    out = aggregate(values, {"a": (0,), "b": (1, 2), "c": (3, 4)})
    np.testing.assert_array_equal(out, [[0, 3, 7], [5, 13, 17]])
    # the total is preserved
    np.testing.assert_allclose(out.sum(axis=1), values.sum(axis=1))


def test_aggregate_accepts_tensors_and_keeps_group_order():
    out = aggregate(torch.tensor([[1.0, 2.0, 4.0]]), {"z": (2,), "a": (0, 1)})
    np.testing.assert_array_equal(out, [[4.0, 3.0]])


def test_aggregate_on_real_preprocessing(tiny_dataset):
    groups = tiny_dataset.feature_groups
    assert list(groups) == ["x1", "x2", "colour", "role", "sex"]
    assert len(groups["colour"]) == 3
    out = aggregate(np.ones((2, tiny_dataset.n_features)), groups)
    np.testing.assert_array_equal(out[0], [len(c) for c in groups.values()])


def test_feature_mask():
    assert feature_mask({"a": (0,), "b": (1, 2)}, 3).tolist() == [[0, 1, 1]]


@pytest.mark.parametrize("groups, says", [
    ({"a": (0,), "b": (1,)}, "columns [2] belong to no feature"),
    ({"a": (0, 1, 2, 3)}, "outside [0, 2]"),
])
def test_groups_that_do_not_partition_are_refused(groups, says):
    with pytest.raises(FeatureGroupsError, match=says.replace("[", r"\[").replace("]", r"\]")):
        aggregate(np.ones((1, 3)), groups)
