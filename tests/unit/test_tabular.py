"""Preprocessing fitted on train only, the feature map, the JSON round trip, sensitive bins."""

import json

import numpy as np
import pandas as pd

from audit.data import TabularPreprocessor, build_tabular_dataset, sensitive_groups


def test_adult_shapes_and_official_split(adult):
    assert len(adult.train) + len(adult.validation) == 32561
    assert len(adult.test) == 16281
    assert adult.train.X.dtype == np.float32 and adult.train.X.shape[1] == adult.n_features == 91
    assert set(np.unique(adult.test.y)) == {0, 1}
    # Kohavi: 23.93% of the 48,842 records earn >50K
    assert abs(adult.test.y.mean() - 0.2362) < 1e-3
    assert list(adult.sensitive_features) == ["sex", "race", "age"]
    assert set(adult.test.sensitive["age"]) == {"<25", "25-45", "45-65", ">=65"}


def test_feature_groups_map_back_to_original_columns(adult):
    groups = adult.feature_groups
    assert sorted(i for idx in groups.values() for i in idx) == list(range(adult.n_features))
    for column, idx in groups.items():
        for i in idx:
            assert adult.feature_names[i] == column or adult.feature_names[i].startswith(column + "=")
    # one-hot rows sum to one within each categorical group
    occupation = adult.test.X[:, list(groups["occupation"])]
    assert np.allclose(occupation.sum(axis=1), 1.0)


def test_scaler_fitted_on_training_rows_only(adult):
    age = adult.train.X[:, adult.feature_names.index("age")]
    assert abs(age.mean()) < 1e-5 and abs(age.std() - 1) < 1e-3
    test_age = adult.test.X[:, adult.feature_names.index("age")]
    assert abs(test_age.mean()) > 1e-4  # test rows were not used to fit


def test_preprocessor_json_round_trip_is_exact(adult):
    saved = json.loads(json.dumps(adult.preprocessor.to_dict()))
    rebuilt = TabularPreprocessor.from_dict(saved)
    raw = adult.test.raw
    np.testing.assert_array_equal(rebuilt.transform(raw), adult.test.X)
    assert rebuilt.feature_names_ == adult.feature_names


def test_unknown_category_at_test_time_encodes_to_zeros():
    train = pd.DataFrame({"c": ["a", "b"] * 10, "s": ["F", "M"] * 10, "y": [0, 1] * 10})
    test = train.copy()
    test.loc[0, "c"] = "never-seen"
    ds = build_tabular_dataset(train, test, target="y", sensitive_features=["s"])
    assert ds.test.X[0, list(ds.feature_groups["c"])].sum() == 0


def test_sensitive_bins_include_lower_edge():
    frame = pd.DataFrame({"age": [17, 25, 44.9, 45, 65, 90]})
    labels = sensitive_groups(frame, ["age"], {"age": [25, 45, 65]})["age"].tolist()
    assert labels == ["<25", "25-45", "25-45", "45-65", ">=65", ">=65"]


def test_validation_split_is_seeded_and_stratified(adult):
    from audit.data import load_adult

    again = load_adult(seed=0)
    np.testing.assert_array_equal(again.validation.y, adult.validation.y)
    assert abs(adult.validation.y.mean() - adult.train.y.mean()) < 0.002


def test_numeric_only_and_categorical_only_tables_encode_and_round_trip():
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    frame = pd.DataFrame({"a": [1.0, 2.0, 4.0, 8.0], "b": [3.0, 1.0, 2.0, 0.0],
                          "c": ["x", "y", "x", "z"]})
    numeric = TabularPreprocessor(["a", "b"], []).fit(frame)
    assert numeric.feature_names_ == ("a", "b") and numeric.feature_groups_ == {"a": (0,), "b": (1,)}
    expected = StandardScaler().fit_transform(frame[["a", "b"]])
    np.testing.assert_allclose(numeric.transform(frame), expected, rtol=1e-6)

    categorical = TabularPreprocessor([], ["c"]).fit(frame)
    assert categorical.feature_names_ == ("c=x", "c=y", "c=z")
    one_hot = OneHotEncoder(sparse_output=False).fit_transform(frame[["c"]])
    np.testing.assert_array_equal(categorical.transform(frame), one_hot)

    for fitted in (numeric, categorical):
        restored = TabularPreprocessor.from_dict(json.loads(json.dumps(fitted.to_dict())))
        np.testing.assert_array_equal(restored.transform(frame), fitted.transform(frame))
        assert restored.feature_groups_ == fitted.feature_groups_
