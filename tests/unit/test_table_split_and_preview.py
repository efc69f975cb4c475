"""One table split by the tool (:func:`audit.data.split_table`) and ``rai-audit validate``'s
reading of the table against the config (:func:`audit.data.config_data_problems`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audit.config import parse_config
from audit.data import config_data_problems, split_table
from audit.errors import ConfigError, LabelNotFoundError, SplitTooSmallError


def _table(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"y": rng.integers(0, 2, n), "g": rng.choice(["a", "b", "c"], n,
                                                                    p=[0.8, 0.19, 0.01]),
                         "age": rng.integers(18, 90, n), "x": rng.normal(0, 1, n)})


def test_the_split_is_seeded_stratified_on_target_and_groups_and_says_so():
    table = _table()
    one = split_table(table, target="y", sensitive_features=["g", "age"], test_fraction=0.3,
                      seed=1)
    again = split_table(table, target="y", sensitive_features=["g", "age"], test_fraction=0.3,
                        seed=1)
    assert one.train.index.equals(again.train.index) and len(one.test) == 600
    assert set(one.train.index) | set(one.test.index) == set(table.index)
    assert "stratified on y x g" in one.description  # age: too many values, not binned
    for g in "ab":
        for label in (0, 1):
            whole = ((table["g"] == g) & (table["y"] == label)).mean()
            test = ((one.test["g"] == g) & (one.test["y"] == label)).mean()
            assert test == pytest.approx(whole, abs=0.005)
    binned = split_table(table, target="y", sensitive_features=["age"], test_fraction=0.3,
                         sensitive_bins={"age": [30, 60]})
    assert "stratified on y x age" in binned.description


def test_strata_too_small_to_split_are_pooled_and_stated():
    table = _table(400, 2)
    table.loc[:2, "g"] = "lone"  # 3 rows: cannot be on both sides of a 25% split alone
    split = split_table(table, target="y", sensitive_features=["g"], seed=0)
    assert "strata too small to split pooled" in split.description


def test_a_split_that_cannot_be_made_is_refused_typed():
    with pytest.raises(ConfigError, match="test_fraction"):
        split_table(_table(), target="y", test_fraction=1.0)
    with pytest.raises(SplitTooSmallError):
        split_table(_table(4), target="y", test_fraction=0.25)
    with pytest.raises(ConfigError, match="Did you mean 'yy'"):
        split_table(_table().rename(columns={"y": "yy"}), target="y")


def _config(tmp_path, **data):
    _table().to_csv(tmp_path / "t.csv", index=False)
    return parse_config({"data": {"loader": "csv", "path": "t.csv", "target": "y",
                                  "sensitive_features": ["g"], **data}}, base_dir=tmp_path)


def test_validate_lists_every_problem_of_the_table_together(tmp_path):
    problems = config_data_problems(_config(
        tmp_path, target="yy", sensitive_features=["gg", "age"], numeric=["xx"],
        drop_columns=["id"]))
    kinds = [(p.error.__name__, p.where) for p in problems]
    assert kinds[:4] == [("MissingColumnError", "data['yy']"), ("MissingColumnError", "data['gg']"),
                         ("MissingColumnError", "data['xx']"), ("MissingColumnError", "data['id']")]
    assert any("bin edges" in p.fix for p in problems)  # age: numeric with 72 values
    assert "Did you mean 'y'?" in problems[0].fix
    assert "'x'" in problems[2].got and "'age'" in problems[2].got  # every column listed


def test_integer_labels_are_accepted_and_absent_labels_named(tmp_path):
    assert config_data_problems(_config(tmp_path, positive_label=1, favourable_label=0)) == []
    problems = config_data_problems(_config(tmp_path, positive_label=2, favourable_label="O"))
    assert [(p.error, p.where) for p in problems] == [
        (LabelNotFoundError, "data.positive_label"), (LabelNotFoundError, "data.favourable_label")]
    assert "one of ['0', '1']" in problems[0].fix and "Did you mean" not in problems[0].fix
