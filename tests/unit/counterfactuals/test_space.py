"""The feature space: ranges, integer columns, MAD costs, projection and constraint checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from audit.counterfactuals import feature_space


def test_space_reads_ranges_integers_and_mad_from_the_training_rows(table):
    space = feature_space(table)
    assert space.features == ("years", "hours", "plan", "sex")
    assert space.immutable == ("sex",)  # the sensitive feature, by default
    raw = table.train.raw
    i = space.features.index("hours")
    assert (space.low[i], space.high[i]) == (raw["hours"].min(), raw["hours"].max())
    assert space.integer[i] and space.numeric[i] and not space.numeric[2]
    mad = np.median(np.abs(raw["hours"] - np.median(raw["hours"])))
    assert space.unit[i] == pytest.approx(1 / mad)
    assert space.categories[2] == ("basic", "plus", "pro")
    std_space = feature_space(table, cost="std_l1")
    assert std_space.unit[i] == pytest.approx(1 / raw["hours"].std(ddof=0))


def test_costs_are_mad_l1_plus_one_per_category(table):
    space = feature_space(table)
    x0 = table.test.X[:1].copy()
    x = x0.copy()
    years, hours = (space.columns[space.features.index(f)][0] for f in ("years", "hours"))
    # +3 years, -4 hours in original units; plan moved to another category
    x[0, years] += 3 / space.scale[0]
    x[0, hours] -= 4 / space.scale[1]
    plan = list(space.columns[2])
    x[0, plan] = np.roll(x0[0, plan], 1)
    costs = space.feature_costs(x, x0)[0]
    assert costs[0] == pytest.approx(3 * space.unit[0], rel=1e-5)
    assert costs[1] == pytest.approx(4 * space.unit[1], rel=1e-5)
    assert costs[2] == 1.0 and costs[3] == 0.0
    assert feature_space(table, cost="n_changed").feature_costs(x, x0)[0].tolist() == [1, 1, 1, 0]


def test_projection_rounds_clips_and_makes_one_hot(table):
    space = feature_space(table)
    x0 = torch.from_numpy(table.test.X[:3].copy())
    x = x0.clone()
    x[:, 0] = 100.0                          # far above the years range
    x[:, 1] = x0[:, 1] + 0.37 / space.scale[1]  # a fraction of an hour
    x[:, 2:5] = torch.tensor([0.2, 0.5, 0.3])   # relaxed one-hot
    x[:, 5:7] = torch.tensor([0.9, 0.1])        # immutable sex: must come back
    out = space.project(x, x0).numpy()
    assert np.allclose(space.decode_numeric(out, 0), space.high[0])
    hours = space.decode_numeric(out, 1)
    assert np.allclose(hours, np.round(hours), atol=1e-3)
    assert (out[:, 2:5] == [0, 1, 0]).all()
    assert (out[:, 5:7] == x0.numpy()[:, 5:7]).all()
    assert not space.violations(out, x0.numpy()).any()
    # an unchanged row projects onto itself, bit for bit
    assert (space.project(x0, x0) == x0).all()


@pytest.mark.parametrize("breakage", ["immutable", "range", "fraction", "two_hot", "half_hot"])
def test_violations_catch_every_kind_of_invalid_row(table, breakage):
    space = feature_space(table)
    x0 = table.test.X[:4].copy()
    x = x0.copy()
    if breakage == "immutable":
        x[:, 5:7] = 1 - x[:, 5:7]
    elif breakage == "range":
        x[:, 0] = (space.high[0] + 5 - space.mean[0]) / space.scale[0]
    elif breakage == "fraction":
        x[:, 1] += 0.5 / space.scale[1]
    elif breakage == "two_hot":
        x[:, 2:5] = [1, 1, 0]
    else:
        x[:, 2:5] = [0.5, 0.5, 0]
    assert space.violations(x, x0).all()
    assert not space.violations(x0, x0).any()


def test_zero_inflated_columns_cost_in_mad_of_their_other_values():
    from audit.counterfactuals._space import _mad

    assert _mad(np.array([0, 0, 0, 0, 0, 10, 20, 40.0])) == 10.0  # MAD of 10, 20, 40
    assert _mad(np.array([1, 2, 3, 4, 5.0])) == 1.0
    assert _mad(np.zeros(4)) == 0.0
