"""Bad input: one typed error per case, naming the thing that is wrong."""

from __future__ import annotations

import pytest

from audit.config import parse_config
from audit.counterfactuals import (
    CounterfactualError,
    NothingMutableError,
    RowsOutOfRangeError,
    UnknownCostMetricError,
    UnknownFeatureError,
    check_cost_metric,
    find_counterfactuals,
)
from audit.errors import ConfigError, MissingColumnError, RaiAuditError


def test_unknown_immutable_feature_is_named_with_a_suggestion(table, linear_model):
    with pytest.raises(UnknownFeatureError, match="'sexx'") as info:
        find_counterfactuals(linear_model, table, [0], immutable=("sexx",))
    assert "Did you mean 'sex'" in str(info.value)
    assert isinstance(info.value, MissingColumnError) and isinstance(info.value, ValueError)


def test_unknown_cost_metric(table, linear_model):
    with pytest.raises(UnknownCostMetricError, match="'mad_l2'"):
        find_counterfactuals(linear_model, table, [0], cost="mad_l2")
    with pytest.raises(UnknownCostMetricError, match="mad_l1"):
        check_cost_metric("manhattan")


def test_unknown_cost_metric_in_the_config_is_a_config_error():
    with pytest.raises(ConfigError, match="counterfactuals.cost"):
        parse_config({"audits": {"counterfactuals": {"enabled": True, "cost": "euclid"}}})


def test_rows_out_of_range(table, linear_model):
    with pytest.raises(RowsOutOfRangeError, match=f"{len(table.test)}"):
        find_counterfactuals(linear_model, table, [0, len(table.test)])
    with pytest.raises(RowsOutOfRangeError, match="rows"):
        find_counterfactuals(linear_model, table, [-1])


def test_everything_immutable(table, linear_model):
    with pytest.raises(NothingMutableError, match="immutable"):
        find_counterfactuals(linear_model, table, [0], immutable=("years", "hours", "plan", "sex"))


def test_bad_split_and_count(table, linear_model):
    with pytest.raises(CounterfactualError, match="split"):
        find_counterfactuals(linear_model, table, [0], split="holdout")
    with pytest.raises(CounterfactualError, match="'n'|\\bn\\b"):
        find_counterfactuals(linear_model, table, [0], n=0)
    assert issubclass(CounterfactualError, RaiAuditError)
