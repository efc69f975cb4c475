"""One test per bad-input case of the tabular loader; each names its column and a fix."""

import numpy as np
import pandas as pd
import pytest

from audit.data import build_tabular_dataset, validate_table
from audit.errors import (
    DataValidationError,
    EmptyTableError,
    MissingColumnError,
    NonFiniteValueError,
    SingleClassTargetError,
    SingleGroupSensitiveError,
    TargetNotBinaryError,
)


def table(n=40, **overrides):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "x": rng.normal(size=n), "color": rng.choice(["red", "blue"], size=n),
        "sex": np.array(["F", "M"])[np.arange(n) % 2], "y": np.arange(n) % 2,
    })
    for k, v in overrides.items():
        frame[k] = v
    return frame


def build(frame, **kw):
    kw = {"target": "y", "sensitive_features": ["sex"], **kw}
    return build_tabular_dataset(frame, frame, **kw)


def test_missing_target_column_names_it_and_suggests():
    with pytest.raises(MissingColumnError, match=r"'yy'.*Did you mean 'y'\?"):
        build(table(), target="yy")


def test_missing_sensitive_column():
    with pytest.raises(MissingColumnError, match="sensitive feature column named 'race'"):
        build(table(), sensitive_features=["race"])


def test_target_not_binary():
    with pytest.raises(TargetNotBinaryError, match=r"3 distinct values.*Fix: binarise"):
        build(table(y=np.arange(40) % 3))


def test_empty_table():
    with pytest.raises(EmptyTableError, match="0 rows"):
        build(table().iloc[:0])


def test_target_with_one_class():
    with pytest.raises(SingleClassTargetError, match=r"only \['1'\]"):
        build(table(y=1))


def test_sensitive_feature_with_one_group():
    with pytest.raises(SingleGroupSensitiveError, match="'sex'.*at least two groups"):
        build(table(sex="F"))


def test_nan_in_feature():
    x = np.zeros(40)
    x[3] = np.nan
    with pytest.raises(NonFiniteValueError, match=r"\['x'\].*1 missing and 0 infinite.*row 3"):
        build(table(x=x))


def test_infinite_in_feature():
    x = np.zeros(40)
    x[5] = np.inf
    with pytest.raises(NonFiniteValueError, match="0 missing and 1 infinite"):
        build(table(x=x))


def test_several_problems_are_reported_together():
    frame = table(y=1)
    frame.loc[0, "x"] = np.nan
    with pytest.raises(DataValidationError) as info:
        validate_table(frame, target="y", sensitive_features=["race"], feature_columns=["x"])
    kinds = [p.error for p in info.value.problems]
    assert kinds == [MissingColumnError, SingleClassTargetError, NonFiniteValueError]
    assert str(info.value).startswith("3 problems found")


def test_non_strict_returns_problems_instead_of_raising():
    problems = validate_table(table(y=1), target="y", sensitive_features=["sex"],
                              feature_columns=["x"], strict=False)
    assert [p.error for p in problems] == [SingleClassTargetError]


def test_numeric_sensitive_without_bins_is_refused_with_fix():
    with pytest.raises(DataValidationError, match=r"sensitive_bins: \{x: \[25, 45, 65\]\}"):
        build(table(), sensitive_features=["x"])


def test_errors_are_value_errors():
    with pytest.raises(ValueError):
        build(table().iloc[:0])


def test_unknown_positive_label():
    with pytest.raises(DataValidationError, match="positive_label"):
        build(table(), positive_label=7)
