"""AuditResult round-trips JSON exactly and refuses malformed, truncated or future files."""

import dataclasses
import json
import math

import pytest

from audit.errors import ResultFormatError
from audit.result import (
    SCHEMA_VERSION,
    AuditResult,
    ConfusionCounts,
    DataInfo,
    EpochRecord,
    Interval,
    ModelInfo,
    ModelQuality,
    RunMetadata,
    TrainingInfo,
    load_result,
    result_from_json,
    result_to_json,
    save_result,
)


def make_result(**quality_overrides) -> AuditResult:
    data = DataInfo(name="t", source="s", citation="", license="", target="y", positive_label="1",
                    sensitive_features=("sex",), features=("x",), n_encoded_features=1,
                    n_train=10, n_validation=2, n_test=5, base_rate_train=0.1 + 0.2,
                    base_rate_test=1 / 3)
    meta = RunMetadata(run_name="r", created_at="2026-01-01T00:00:00+00:00", seed=3,
                       rai_audit_version="0.1.0", library_versions={"torch": "x"}, data=data,
                       model=ModelInfo(kind="mlp", n_parameters=7, architecture="MLP()"),
                       training=TrainingInfo(epochs=2, epochs_completed=2, batch_size=4,
                                             optimizer="adam", learning_rate=1e-3, device="cpu",
                                             seconds=0.5))
    quality = ModelQuality(split="test", n=5, threshold=0.5, accuracy=0.6,
                           accuracy_interval=Interval(0.2, 0.9, 0.95, "wilson"),
                           balanced_accuracy=0.5, precision=float("nan"), recall=0.0, f1=0.0,
                           roc_auc=0.5, log_loss=float("inf"), positive_rate=0.0,
                           base_rate=0.4, confusion=ConfusionCounts(3, 0, 2, 0))
    history = (EpochRecord(1, {"train/loss": 0.7}, {"groups": {"a": [1, 2]}}),
               EpochRecord(2, {"train/loss": 0.123456789012345678}))
    return AuditResult(metadata=meta, quality=quality, history=history)


def test_round_trip_is_exact_including_nan_and_inf():
    result = make_result()
    text = result_to_json(result)
    back = result_from_json(text)
    assert result_to_json(back) == text
    assert math.isnan(back.quality.precision) and back.quality.log_loss == math.inf
    assert back.metadata.data.base_rate_train == 0.1 + 0.2
    assert back.history[1].metrics["train/loss"] == 0.123456789012345678
    assert back.metadata == result.metadata and back.history == result.history
    json.loads(text)  # still strict JSON: no bare NaN


def test_save_and_load(tmp_path):
    result = make_result()
    path = save_result(result, tmp_path / "sub" / "result.json")
    assert result_to_json(load_result(path)) == result_to_json(result)


def test_truncated_file_is_refused_with_fix(tmp_path):
    path = tmp_path / "result.json"
    path.write_text(result_to_json(make_result())[:200])
    with pytest.raises(ResultFormatError, match="truncated"):
        load_result(path)


def test_future_major_version_is_refused():
    raw = json.loads(result_to_json(make_result()))
    raw["schema_version"] = "3.0"
    with pytest.raises(ResultFormatError, match="upgrade rai-audit"):
        result_from_json(json.dumps(raw))


def test_newer_minor_version_is_refused_but_own_is_read():
    raw = json.loads(result_to_json(make_result()))
    major, minor = SCHEMA_VERSION.split(".")
    raw["schema_version"] = f"{major}.{int(minor) + 1}"
    with pytest.raises(ResultFormatError):
        result_from_json(json.dumps(raw))


def test_missing_field_names_its_location():
    raw = json.loads(result_to_json(make_result()))
    del raw["metadata"]["seed"]
    with pytest.raises(ResultFormatError, match="metadata.seed"):
        result_from_json(json.dumps(raw))


def test_not_an_object():
    with pytest.raises(ResultFormatError, match="schema_version"):
        result_from_json("[1, 2]")


def test_missing_file(tmp_path):
    with pytest.raises(ResultFormatError, match="no such file"):
        load_result(tmp_path / "nope.json")


def test_results_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        make_result().metadata.seed = 4
