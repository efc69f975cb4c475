"""Chunked fairness counts: parquet record batches give exactly the in-memory counts on the
census test split with a model's scores. (Counting across machines is the engines' job:
tests/unit/predictions.)"""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.linear_model import LogisticRegression

from audit.fairness import FairnessInputError, GroupCounts, SensitiveFeatureMissingError
from audit.fairness._chunked import count_parquet, count_record_batches


@pytest.fixture(scope="module")
def census_table(adult, tmp_path_factory):
    """The census test split with a logistic regression's scores, as a parquet file with
    small row groups (string and categorical sensitive columns, some missing race)."""
    model = LogisticRegression(max_iter=200).fit(adult.train.X[:5000], adult.train.y[:5000])
    test = adult.test
    frame = pd.DataFrame({"label": test.y.astype(np.int8),
                          "proba": model.predict_proba(test.X)[:, 1].astype(np.float32)})
    for name in test.sensitive.columns:
        frame[name] = test.sensitive[name].astype(str).to_numpy()
    frame["sex"] = frame["sex"].astype("category")  # read back dictionary-encoded
    frame["race_missing"] = frame["race"].where(np.arange(len(frame)) % 97 != 0, None)
    path = tmp_path_factory.mktemp("parquet") / "census_test.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=1500)
    return frame, path


def in_memory(frame, features, nan_policy="error"):
    return GroupCounts.from_predictions(frame["label"], (frame["proba"] >= 0.5).astype(int),
                                        frame[list(features)].astype(object), nan_policy=nan_policy)


def assert_same(chunked, reference):
    assert chunked.features == reference.features
    present = reference.sizes > 0
    assert chunked.groups == tuple(g for g, p in zip(reference.groups, present) if p)
    np.testing.assert_array_equal(chunked.counts, reference.counts[present])
    assert chunked.n_dropped == reference.n_dropped


@pytest.mark.parametrize("features", [("sex",), ("race",), ("sex", "race")])
def test_parquet_batches_equal_in_memory_counts(census_table, features):
    frame, path = census_table
    chunked = count_parquet(path, y_true="label", score="proba", sensitive=features,
                            batch_size=777)
    reference = in_memory(frame, features)
    assert_same(chunked, reference)
    assert int(chunked.sizes.sum()) == len(frame) and len(chunked.groups) >= 2
    assert chunked.disparities() == reference.disparities()


@pytest.mark.parametrize("nan_policy", ["own_group", "drop"])
def test_missing_values_follow_the_policy(census_table, nan_policy):
    frame, path = census_table
    chunked = count_parquet(path, y_true="label", score="proba", sensitive=["race_missing"],
                            nan_policy=nan_policy, batch_size=2048)
    assert_same(chunked, in_memory(frame, ["race_missing"], nan_policy))
    assert (chunked.n_dropped == 0) == (nan_policy == "own_group")


def test_record_batches_of_dataframes_and_predictions_column():
    frame = pd.DataFrame({"y": [1, 0, 1, 1, 0], "pred": [1, 1, 0, 1, 0],
                          "g": ["b", "a", "b", "c", "a"]})
    chunked = count_record_batches([frame.iloc[:2], frame.iloc[2:2], frame.iloc[2:]],
                                   y_true="y", y_pred="pred", sensitive=["g"])
    reference = GroupCounts.from_predictions(frame["y"], frame["pred"], frame[["g"]])
    assert_same(chunked, reference)
    assert chunked.counts[1].tolist() == [[0, 0], [1, 1]]  # group "b": one FN, one TP


def test_a_folder_of_parquet_files_is_one_table(census_table, tmp_path):
    frame, path = census_table
    table = pq.read_table(path)
    for i, start in enumerate(range(0, table.num_rows, 6000)):
        pq.write_table(table.slice(start, 6000), tmp_path / f"part-{i}.parquet")
    chunked = count_parquet(tmp_path, y_true="label", score="proba", sensitive=["sex", "race"])
    assert_same(chunked, in_memory(frame, ["sex", "race"]))


def test_bad_inputs_name_the_column(census_table):
    _, path = census_table
    with pytest.raises(SensitiveFeatureMissingError, match="'gender'"):
        count_parquet(path, y_true="label", score="proba", sensitive=["gender"])
    with pytest.raises(FairnessInputError, match="y_pred / score"):
        count_parquet(path, y_true="label", sensitive=["sex"])
