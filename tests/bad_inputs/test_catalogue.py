"""The bad-input catalogue (issue 18): one row per bad input a new user can give.

Each row drives the real CLI (typer's CliRunner, in process) or the Python API on small real
tables (300 / 200 rows of UCI Adult, one epoch) and asserts the exit code, the error class, key
phrases of the message, that no raw traceback is printed, and that nothing temporary is left in
the folder. Rows with exit code 0 are inputs that run but must say so (a warning in the output
and in the result). ``pytest tests/bad_inputs -q`` prints the number of rows at the end; set
``RAI_AUDIT_CATALOGUE=FILE`` to write the table of rows and messages (Markdown) to FILE.
"""

from __future__ import annotations

import gzip
import json
import os
import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

from audit import errors as E
from audit.cli import app
from audit.data_privacy._errors import RedactionPathError
from audit.text._errors import TextEncodingError
from tests.bad_inputs._support import (
    BASE_CONFIG,
    edit_json,
    leftovers,
    merge,
    tables,
    write_config,
    write_tables,
)

#: Messages of every row, filled as the rows run (written out by the conftest when asked).
MESSAGES: dict[str, tuple[str, int, str]] = {}


@dataclass(frozen=True)
class Case:
    """One bad input: how to make it, and what must come out."""

    id: str
    make: Callable  # (folder, ctx) -> argv list (CLI) or a zero-argument callable (API)
    code: int  # CLI exit code (API rows: 2, the code the CLI would give a typed error)
    error: type[BaseException] | None  # None: the input runs, with a stated warning
    phrases: tuple[str, ...] = ()
    group: str = "data"
    api: bool = False
    skip_if: Callable[[], str] | None = field(default=None, compare=False)


def run_args(folder: Path, config: Path | None = None, *extra: str) -> list[str]:
    return ["run", str(config or folder / "audit.yaml"), "--out", str(folder / "out"), "--quiet",
            *extra]


def run_with(extra_config: dict | None = None, train=None, test=None):
    """A row's maker: the tiny CSV tables (optionally replaced) and the config plus ``extra``."""
    def make(folder: Path, ctx) -> list[str]:
        write_tables(folder, train() if callable(train) else train,
                     test() if callable(test) else test)
        write_config(folder, extra_config)
        return run_args(folder)
    return make


def raw_file(name: str, content: bytes, extra_config: dict | None = None, which: str = "train"):
    """A row's maker whose train (or test) file is the given bytes."""
    def make(folder: Path, ctx) -> list[str]:
        write_tables(folder)
        (folder / name).write_bytes(content)
        write_config(folder, merge({"data": {f"{which}_path": name}}, extra_config or {}))
        return run_args(folder)
    return make


def config_text(text: str | bytes):
    def make(folder: Path, ctx) -> list[str]:
        write_tables(folder)
        path = folder / "audit.yaml"
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return run_args(folder)
    return make


def with_column(name: str, values_train, values_test=None):
    def train():
        frame, _ = tables()
        frame[name] = values_train(frame) if callable(values_train) else values_train
        return frame

    def test():
        _, frame = tables()
        if values_test is not None:
            frame[name] = values_test(frame) if callable(values_test) else values_test
        return frame
    return train, test


def csv_text(frame: pd.DataFrame, **kw) -> bytes:
    return frame.to_csv(index=False, **kw).encode()


def _ages_with_units():
    frame, _ = tables()
    frame["age"] = [f"{a} years" for a in frame["age"]]
    return frame


def _ages_mixed():
    frame, _ = tables()
    ages = frame["age"].astype(object)
    ages.iloc[[4, 9, 20]] = "unknown"
    frame["age"] = ages
    return frame


def _thousands():
    frame, _ = tables()
    frame["capital-gain"] = [f"{v + 1000:,}" for v in frame["capital-gain"]]
    return frame


def _empty_categorical():
    frame, _ = tables()
    frame.loc[[3, 17], "workclass"] = None
    return frame


def _huge_values():
    frame, _ = tables()
    frame["capital-gain"] = frame["capital-gain"].astype(float)
    frame.loc[5, "capital-gain"] = 1e308
    frame.loc[8, "capital-gain"] = 1e200
    return frame


def _three_classes():
    frame, _ = tables()
    frame.loc[:9, "income"] = "unknown"
    return frame


def _one_positive():
    frame, _ = tables()
    positives = frame.index[frame["income"] == ">50K"]
    frame.loc[positives[1:], "income"] = "<=50K"
    return frame


def _one_group():
    frame, _ = tables()
    frame["sex"] = "Female"
    return frame


def _duplicate_header(folder: Path, ctx) -> list[str]:
    write_tables(folder)
    train = (folder / "train.csv").read_text().splitlines()
    header = train[0].split(",")
    header[header.index("hours-per-week")] = "age"
    (folder / "train.csv").write_text("\n".join([",".join(header), *train[1:]]) + "\n")
    write_config(folder)
    return run_args(folder)


def _semicolon_file(folder: Path, ctx) -> list[str]:
    write_tables(folder)
    train, _ = tables()
    (folder / "train.csv").write_bytes(csv_text(train, sep=";"))
    write_config(folder, {"data": {"delimiter": ","}})
    return run_args(folder)


def _ragged_file(folder: Path, ctx) -> list[str]:
    write_tables(folder)
    lines = (folder / "train.csv").read_text().splitlines()
    lines[6] += ",extra,fields"
    (folder / "train.csv").write_text("\n".join(lines) + "\n")
    write_config(folder)
    return run_args(folder)


def _latin1_file(folder: Path, ctx) -> list[str]:
    write_tables(folder)
    lines = (folder / "train.csv").read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b"Private", b"Priv\xe9", 1) if b"Private" in lines[3] else (
        lines[3] + b"\xe9")
    (folder / "train.csv").write_bytes(b"\n".join(lines))
    write_config(folder)
    return run_args(folder)


def _truncated_gzip(folder: Path, ctx) -> list[str]:
    write_tables(folder)
    packed = gzip.compress((folder / "train.csv").read_bytes())
    (folder / "train.csv.gz").write_bytes(packed[: len(packed) // 2])
    write_config(folder, {"data": {"train_path": "train.csv.gz"}})
    return run_args(folder)


def _truncated_adult(folder: Path, ctx) -> list[str]:
    from audit.data._adult import default_adult_dir

    adult = folder / "adult"
    adult.mkdir()
    data = (default_adult_dir() / "adult.data.gz").read_bytes()
    (adult / "adult.data.gz").write_bytes(data[: len(data) // 3])
    (adult / "adult.test.gz").write_bytes((default_adult_dir() / "adult.test.gz").read_bytes())
    config = {k: v for k, v in BASE_CONFIG.items()}
    config = merge(config, {"data": {"loader": "adult", "path": "adult"}})
    config["data"].pop("train_path")
    config["data"].pop("test_path")
    import yaml

    (folder / "audit.yaml").write_text(yaml.safe_dump(config))
    return run_args(folder)


def _jsonl_text_numbers(folder: Path, ctx) -> list[str]:
    train, test = tables()
    train["age"] = train["age"].astype(str)
    (folder / "train.jsonl").write_text(train.to_json(orient="records", lines=True))
    (folder / "test.jsonl").write_text(test.to_json(orient="records", lines=True))
    write_config(folder, {"data": {"train_path": "train.jsonl", "test_path": "test.jsonl"}})
    return run_args(folder)


def _bad_jsonl(folder: Path, ctx) -> list[str]:
    train, test = tables()
    lines = train.to_json(orient="records", lines=True).splitlines()
    lines[2] = lines[2][: len(lines[2]) // 2]
    (folder / "train.jsonl").write_text("\n".join(lines) + "\n")
    test.to_csv(folder / "test.csv", index=False)
    write_config(folder, {"data": {"train_path": "train.jsonl"}})
    return run_args(folder)


def _bad_parquet(folder: Path, ctx) -> list[str]:
    write_tables(folder)
    (folder / "train.parquet").write_bytes(b"PAR1 this is not a parquet file PAR1")
    write_config(folder, {"data": {"train_path": "train.parquet"}})
    return run_args(folder)


ALIAS_BOMB = "\n".join(
    ["a: &a [x, x, x, x, x, x, x, x, x]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
) + "\n"


def _long_column(folder: Path, ctx) -> list[str]:
    name = "x" * 10_000
    train, test = tables()
    train[name], test[name] = 1.0, 1.0
    write_tables(folder, train, test)
    write_config(folder)
    return run_args(folder)


def _escape_column(folder: Path, ctx) -> list[str]:
    write_tables(folder)
    write_config(folder, {"data": {"target": "income\x1b]0;owned\x07"}})
    return run_args(folder)


def _run_then(argv_of):
    """A maker that needs the good result: copies it to ``folder/R`` first."""
    def make(folder: Path, ctx) -> list[str]:
        ctx.copy_result(folder / "R")
        return argv_of(folder)
    return make


def _edited_result(edit, command: str = "report"):
    def make(folder: Path, ctx) -> list[str]:
        ctx.copy_result(folder / "R")
        edit_json(folder / "R" / "result.json", edit)
        target = folder / "R" / "result.json"
        if command == "report":
            return ["report", str(target), "--out", str(folder / "report.html")]
        if command == "card":
            return ["card", str(target), "--out", str(folder / "card.md")]
        if command == "technical":
            return ["card", str(target), "--technical", "--out", str(folder / "doc.md")]
        if command == "dashboard":
            return ["dashboard", str(target), "--headless"]
        policy = folder / "policy.yaml"
        policy.write_text("gates:\n  - {metric: quality.accuracy, min: 0.5}\n")
        return ["check", str(target), "--policy", str(policy)]
    return make


def _set(path: str, value):
    def edit(doc):
        keys = path.split(".")
        node = doc
        for key in keys[:-1]:
            node = node[int(key)] if key.isdigit() else node[key]
        node[keys[-1]] = value(node[keys[-1]]) if callable(value) else value
    return edit


def _locked(folder: Path, ctx) -> list[str]:
    from audit._staging import _acquire

    write_tables(folder)
    write_config(folder)
    (folder / "out").mkdir()
    ctx.hold(_acquire(folder / "out"), folder / "out")
    return run_args(folder)


def _api_duplicate_labels(folder, ctx):
    from audit.data import build_tabular_dataset

    train, test = tables()
    train = pd.concat([train, train[["age"]]], axis=1)
    return lambda: build_tabular_dataset(train, test, target="income", sensitive_features=["sex"])


def _api_mixed_types(folder, ctx):
    from audit.data import build_tabular_dataset

    train, test = tables()
    mixed = train["hours-per-week"].astype(object)
    mixed.iloc[::3] = "forty"
    train["hours-per-week"] = mixed
    return lambda: build_tabular_dataset(train, test, target="income", sensitive_features=["sex"])


def _api_fit(**kw):
    def make(folder, ctx):
        from torch.utils.data import TensorDataset

        from audit.training import fit

        labels = kw.pop("labels", None)
        y = torch.tensor(labels if labels is not None else [0, 1] * 16)
        data = TensorDataset(torch.randn(len(y), 3), y)
        return lambda: fit(torch.nn.Linear(3, 2), data, epochs=1, progress=False, **kw)
    return make


def _api_privacy_inf(folder, ctx):
    from audit.privacy import PrivacyConfig

    return lambda: PrivacyConfig(target_epsilon=float("inf"))


def _api_load_result(edit):
    def make(folder, ctx):
        from audit.result import load_result

        ctx.copy_result(folder / "R")
        edit_json(folder / "R" / "result.json", edit)
        return lambda: load_result(folder / "R" / "result.json")
    return make


def _hf_folder(folder: Path, payload: bytes | None = None) -> Path:
    from safetensors.torch import save_file
    from transformers import BertConfig, BertForSequenceClassification

    model_dir = folder / "hf"
    config = BertConfig(vocab_size=40, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=16, max_position_embeddings=16)
    model = BertForSequenceClassification(config)
    config.save_pretrained(str(model_dir))
    if payload is None:
        torch.save(model.state_dict(), model_dir / "pytorch_model.bin")
    else:
        (model_dir / "pytorch_model.bin").write_bytes(payload)
    assert not list(model_dir.glob("*.safetensors"))
    del save_file
    return model_dir


class _Payload:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _api_hf_bin(folder, ctx):
    from audit.models._text import hf_classifier

    model_dir = _hf_folder(folder)
    return lambda: hf_classifier(model_dir)


def _api_hf_evil(folder, ctx):
    from audit.models._text import hf_classifier

    marker = folder / "PAYLOAD-RAN"
    model_dir = _hf_folder(folder, pickle.dumps({"w": _Payload(str(marker))}, protocol=2))
    ctx.after(lambda: not marker.exists())  # weights_only refused it: the payload never ran
    return lambda: hf_classifier(model_dir, allow_pickle_weights=True)


def _api_text_latin1(folder, ctx):
    from audit.text._io import read_text_table

    (folder / "texts.csv").write_bytes("text,label\ncaf\u00e9 au lait,1\n".encode("latin-1"))
    return lambda: read_text_table(folder / "texts.csv")


def _scan(content: bytes, name: str = "people.csv"):
    def make(folder: Path, ctx) -> list[str]:
        (folder / name).write_bytes(content)
        return ["scan", str(folder / name), "--qi", "age"]
    return make


def _no_cuda() -> str:
    return "this machine has CUDA, so device: cuda is valid here" if torch.cuda.is_available() else ""


# ---- own tables (issue 16): validate reads the table, one file split by the tool ----------

def validate_with(extra_config: dict | None = None, train=None):
    """A row's maker: ``rai-audit validate`` of the tiny tables and the config plus ``extra``."""
    def make(folder: Path, ctx) -> list[str]:
        write_tables(folder, train() if callable(train) else train)
        write_config(folder, extra_config)
        return ["validate", str(folder / "audit.yaml")]
    return make


def _one_file(extra_config: dict):
    def make(folder: Path, ctx) -> list[str]:
        train, test = tables()
        pd.concat([train, test]).to_csv(folder / "people.csv", index=False)
        write_tables(folder)
        write_config(folder, merge({"data": {"train_path": None, "test_path": None,
                                             "path": "people.csv"}}, extra_config))
        return run_args(folder)
    return make


def _wide_table():
    frame, _ = tables()
    for i in range(20):
        frame[f"extra_{i:02d}"] = i
    return frame


CASES = [
    # ---- data files -------------------------------------------------------------------------
    Case("csv-wrong-delimiter", _semicolon_file, 2, E.DataFileError,
         ("one column with ',' (comma)", "';' (semicolon)", "data.delimiter")),
    Case("csv-ragged-line", _ragged_file, 2, E.DataFileError, ("Expected 13 fields in line 7",)),
    Case("csv-not-utf8", _latin1_file, 2, E.FileEncodingError,
         ("byte 0xe9", "(line 4)", "data.encoding: latin-1")),
    Case("csv-unknown-encoding", run_with({"data": {"encoding": "klingon"}}), 2, E.ConfigError,
         ("data.encoding", "'klingon'")),
    Case("csv-empty-file", raw_file("empty.csv", b""), 2, E.EmptyTableError, ("an empty file",)),
    Case("csv-header-only", raw_file("head.csv", b"age,sex,income\n"), 2, E.EmptyTableError,
         ("0 rows",)),
    Case("csv-numbers-with-units", run_with(train=_ages_with_units), 2, E.ColumnTypeError,
         ("train['age']", "numbers with a unit", "years'", "lines 2, 3, 4, 5, 6 and 295 more")),
    Case("csv-numbers-mixed-with-text", run_with(train=_ages_mixed), 2, E.ColumnTypeError,
         ("train['age']", "mostly numbers", "'unknown'", "lines 6, 11, 22")),
    Case("csv-thousands-separators", run_with(train=_thousands), 2, E.ColumnTypeError,
         ("capital-gain", "thousands separators", "data.thousands")),
    Case("jsonl-numbers-stored-as-text", _jsonl_text_numbers, 2, E.ColumnTypeError,
         ("train['age']", "numbers stored as text", "data.categorical")),
    Case("csv-empty-categorical-cells", run_with(train=_empty_categorical), 2, E.NonFiniteValueError,
         ("train['workclass']", "2 empty or missing cells", "lines 5, 19")),
    Case("csv-all-missing-column", run_with(None, *with_column("notes", np.nan, np.nan)), 2,
         E.ColumnTypeError, ("train['notes']", "no value in any of its 300 rows")),
    Case("csv-beyond-float32", run_with(train=_huge_values), 2, E.ColumnTypeError,
         ("capital-gain", "float32", "1e+308", "lines 7, 10")),
    Case("csv-infinite-value", run_with(None, *with_column("hours-per-week",
                                                     lambda f: f["hours-per-week"].where(
                                                         f.index != 4, np.inf))), 2,
         E.NonFiniteValueError, ("hours-per-week", "1 infinite", "line 6")),
    Case("csv-duplicate-header", _duplicate_header, 2, E.DuplicateColumnError,
         ("'age' (columns 1, 11)", "'NAME.1'")),
    Case("csv-10000-char-column-name", _long_column, 2, E.InputTooLongError,
         ("column name", "at most 1,000 characters", "10,000 characters")),
    Case("csv-class-too-small-to-stratify", run_with(train=_one_positive), 2,
         E.SplitTooSmallError, ("target class '>50K'", "at least 2 training rows", "1 row")),
    Case("csv-validation-split-too-small",
         run_with({"data": {"validation_fraction": 0.01}},
                  train=lambda: tables()[0].groupby("income").head(20)), 2,
         E.SplitTooSmallError, ("validation_fraction", "1 validation row(s) of 40")),
    Case("csv-target-missing", run_with({"data": {"target": "incme"}}), 2, E.MissingColumnError,
         ("'incme'", "Did you mean 'income'?")),
    Case("csv-three-class-target", run_with(train=_three_classes), 2, E.TargetNotBinaryError,
         ("3 distinct values", "binarise the target", "positive_label only picks")),
    Case("csv-single-class-target",
         run_with(train=lambda: tables()[0].assign(income="<=50K")), 2, E.SingleClassTargetError,
         ("only ['<=50K']",)),
    Case("csv-single-group", run_with(train=_one_group), 2, E.SingleGroupSensitiveError,
         ("train['sex']", "at least two groups")),
    Case("csv-unknown-positive-label", run_with({"data": {"positive_label": "rich"}}), 2,
         E.DataValidationError, ("positive_label", "'rich'")),
    Case("csv-numeric-column-with-text",
         run_with({"data": {"numeric": ["age", "hours-per-week"], "categorical": ["workclass"]}},
                  train=_ages_mixed), 2, E.ColumnTypeError,
         ("listed under data.numeric", "'unknown'", "lines 6, 11, 22")),
    Case("data-file-missing", run_with({"data": {"train_path": "nope.csv"}}), 2, E.ConfigError,
         ("data.train_path", "nope.csv")),
    Case("csv-loader-without-paths", run_with({"data": {"train_path": None}}), 2, E.ConfigError,
         ("data.train_path", "a CSV path")),
    Case("csv-truncated-gzip", _truncated_gzip, 2, E.DataFileError,
         ("a complete gzip archive", "truncated or corrupt")),
    Case("adult-truncated-gzip", _truncated_adult, 2, E.DataFileError,
         ("adult.data.gz", "a complete gzip archive")),
    Case("jsonl-broken-line", _bad_jsonl, 2, E.DataFileError, ("line 3 is not JSON",)),
    Case("parquet-not-parquet", _bad_parquet, 2, E.DataFileError, ("a Parquet file",)),
    # ---- configs ------------------------------------------------------------------------------
    Case("config-misspelled-key", config_text("training:\n  epocs: 3\n"), 2, E.ConfigError,
         ("unknown key 'epocs'", "Did you mean 'epochs'?"), group="config"),
    Case("config-yaml-syntax", config_text("training: {epochs: 3\n"), 2, E.ConfigError,
         ("valid YAML", "line 2, column 1"), group="config"),
    Case("config-alias-bomb", config_text(ALIAS_BOMB), 2, E.ConfigError,
         ("at most 100,000 values once its aliases", "aliases nested inside aliases"), group="config"),
    Case("config-not-utf8", config_text(b"name: caf\xe9\n"), 2, E.FileEncodingError,
         ("byte 0xe9 at offset 9 (line 1)",), group="config"),
    Case("config-missing", lambda f, c: ["run", str(f / "nope.yaml"), "--out", str(f / "out")], 2,
         E.ConfigError, ("no such file",), group="config"),
    Case("config-not-a-mapping", config_text("- a\n- b\n"), 2, E.ConfigError,
         ("a YAML mapping",), group="config"),
    Case("config-too-large", config_text("name: x\n" + "# padding\n" * 110_000), 2, E.ConfigError,
         ("at most 1,000,000 bytes",), group="config"),
    Case("config-device-cuda-without-cuda", run_with({"training": {"device": "cuda"}}), 2,
         E.DeviceError, ("training.device", "a device this machine has", "'cuda'"),
         group="config", skip_if=_no_cuda),
    Case("config-device-unknown", run_with({"training": {"device": "tpu"}}), 2, E.DeviceError,
         ("training.device", "auto, cpu, cuda, cuda:N or mps", "'tpu'"), group="config"),
    Case("config-seed-too-large", run_with({"seed": 2**32}), 2, E.ConfigError,
         ("key 'seed'", "less than or equal to 4294967295"), group="config"),
    Case("config-seed-negative", run_with({"seed": -1}), 2, E.ConfigError,
         ("key 'seed'", "greater than or equal to 0"), group="config"),
    Case("config-hidden-size-negative", run_with({"model": {"hidden_sizes": [-5]}}), 2,
         E.ConfigError, ("model.hidden_sizes.0", "greater than 0"), group="config"),
    Case("config-hidden-size-zero", run_with({"model": {"hidden_sizes": [0]}}), 2, E.ConfigError,
         ("model.hidden_sizes.0", "greater than 0"), group="config"),
    Case("config-learning-rate-nan", config_text(
        "training: {learning_rate: .nan}\n"), 2, E.ConfigError,
         ("training.learning_rate", "finite number"), group="config"),
    Case("config-max-grad-norm-inf", run_with({"training": {"privacy": {
        "noise_multiplier": 1.0, "max_grad_norm": float("inf")}}}), 2, E.ConfigError,
         ("training.privacy.max_grad_norm", "a finite number", "inf"), group="config"),
    Case("config-target-epsilon-inf", run_with({"training": {"privacy": {
        "target_epsilon": float("inf")}}}), 2, E.ConfigError,
         ("key 'training.privacy' (privacy.target_epsilon)", "a finite number", "no privacy"),
         group="config"),
    Case("config-fairness-without-features", run_with({
        "data": {"sensitive_features": []}, "audits": {"fairness": {"enabled": True}}}), 2,
         E.ConfigError, ("at least one sensitive feature",), group="config"),
    Case("config-unknown-intersection-feature", run_with({
        "audits": {"fairness": {"enabled": True, "intersections": [["sex", "rase"]]}}}), 2,
         E.ConfigError, ("audits.fairness.intersections[0]", "'rase'"), group="config"),
    Case("config-unknown-mitigation-feature", run_with({
        "audits": {"fairness": {"enabled": True, "mitigation": {
            "enabled": True, "sensitive_feature": "sexx"}}}}), 2, E.ConfigError,
         ("mitigation.sensitive_feature", "Did you mean 'sex'?"), group="config"),
    Case("config-unknown-fairness-feature", run_with({
        "audits": {"fairness": {"enabled": True, "sensitive_features": ["race"]}}}), 2,
         E.ConfigError, ("audits.fairness.sensitive_features", "one of data.sensitive_features",
                         "'race'"), group="config"),
    Case("config-unknown-gate-metric", run_with({
        "policy": {"gates": [{"metric": "quality.acuracy", "min": 0.8}]}}), 2, E.ConfigError,
         ("policy.gates[0].metric", "Did you mean 'quality.accuracy'?"), group="config"),
    Case("config-gate-without-threshold", run_with({
        "policy": {"gates": [{"metric": "quality.accuracy"}]}}), 2, E.ConfigError,
         ("a max and/or a min threshold",), group="config"),
    Case("policy-file-unknown-metric", lambda f, c: [
        *run_with()(f, c), "--policy", str(_write(f / "p.yaml", "gates:\n  - {metric: privacy.epslon, max: 3}\n"))],
         2, E.ConfigError, ("--policy", "Did you mean 'privacy.epsilon'?"), group="config"),
    Case("policy-file-missing", lambda f, c: [*run_with()(f, c), "--policy", str(f / "nope.yaml")],
         2, E.ConfigError, ("policy YAML file", "no such file"), group="config"),
    Case("config-bad-utility-epsilon", run_with({
        "audits": {"privacy": {"utility_curve_epsilons": [-1, 8]}}}), 2, E.ConfigError,
         ("utility_curve_epsilons[0]", "a positive, finite epsilon"), group="config"),
    Case("config-more-groups-than-max", run_with({
        "data": {"sensitive_features": ["native-country"]},
        "audits": {"fairness": {"enabled": True, "max_groups": 5}}}), 2, E.TooManyGroupsError,
         ("'native-country'", "at most 5 groups"), group="config"),
    Case("config-unknown-shift-feature", run_with({
        "audits": {"robustness": {"enabled": True, "numeric_shifts": {"aeg": [-1, 1]}}}}), 2,
         E.ConfigError, ("audits.robustness.numeric_shifts", "Did you mean 'age'?"), group="config"),
    Case("config-validation-fraction-range", run_with({"data": {"validation_fraction": 0.7}}), 2,
         E.ConfigError, ("data.validation_fraction", "less than 0.5"), group="config"),
    Case("config-run-name-50kb", run_with({"name": "n" * 50_000}), 2, E.InputTooLongError,
         ("key 'name'", "at most 1000 characters", "50,000 characters"), group="config"),
    Case("config-card-text-30kb", run_with({"card": {"intended_use": "t" * 30_000}}), 2,
         E.InputTooLongError, ("card.intended_use", "30,000 characters"), group="config"),
    Case("config-escape-sequence-in-name", _escape_column, 2, E.MissingColumnError,
         ("\\x1b]0;owned\\x07",), group="config"),
    Case("config-dp-batch-covers-table", run_with({
        "training": {"batch_size": 4096, "privacy": {"noise_multiplier": 1.0}}}), 0, None,
         ("covers the whole training table", "sampling rate is 1.0"), group="config"),
    Case("data-unseen-test-categories", run_with(), 0, None,
         ("categories never seen in training", "native-country"), group="data"),
    # ---- result files ------------------------------------------------------------------------
    Case("result-truncated", lambda f, c: [
        "report", str(_write(f / "r.json", '{"schema_version": "2.1", "metad')),
        "--out", str(f / "r.html")], 2, E.ResultFormatError, ("truncated",), group="result"),
    Case("result-newer-major", _edited_result(_set("schema_version", "3.0")), 2,
         E.ResultFormatError, ("upgrade rai-audit",), group="result"),
    Case("result-missing-field", _edited_result(lambda d: d["metadata"].pop("seed")), 2,
         E.ResultFormatError, ("metadata.seed",), group="result"),
    Case("result-not-an-object", lambda f, c: [
        "check", str(_write(f / "r.json", "[1, 2]")), "--policy", str(f / "r.json")], 2,
         E.ResultFormatError, ("schema_version",), group="result"),
    Case("result-missing-file", lambda f, c: ["report", str(f / "none.json")], 2,
         E.ResultFormatError, ("no such file",), group="result"),
    Case("result-not-utf8", lambda f, c: [
        "report", str(_write(f / "r.json", b'{"schema_version": "2.1", "x": "\xe9"}')),
        "--out", str(f / "r.html")], 2, E.ResultFormatError, ("invalid JSON",), group="result"),
    Case("result-accuracy-5-report", _edited_result(_set("quality.accuracy", 5)), 2,
         E.ResultSenseError, ("quality.accuracy", "a proportion in [0, 1], got 5"), group="result"),
    Case("result-accuracy-5-check", _edited_result(_set("quality.accuracy", 5), "check"), 2,
         E.ResultSenseError, ("quality.accuracy", "got 5"), group="result"),
    Case("result-accuracy-5-card", _edited_result(_set("quality.accuracy", 5), "card"), 2,
         E.ResultSenseError, ("quality.accuracy",), group="result"),
    Case("result-accuracy-5-technical", _edited_result(_set("quality.accuracy", 5), "technical"),
         2, E.ResultSenseError, ("quality.accuracy",), group="result"),
    Case("result-accuracy-5-dashboard", _edited_result(_set("quality.accuracy", 5), "dashboard"),
         2, E.ResultSenseError, ("quality.accuracy",), group="result"),
    Case("result-negative-group-count", _edited_result(
        _set("sections.fairness.section.partitions.0.groups.0.size", -3)), 2, E.ResultSenseError,
         ("sections['fairness'].section.partitions[0].groups[0].size", "a count >= 0, got -3"),
         group="result"),
    Case("result-confusion-does-not-add-up", _edited_result(
        _set("quality.confusion.tn", lambda v: v + 7)), 2, E.ResultSenseError,
         ("quality.confusion", "tn + fp + fn + tp = n = 200"), group="result"),
    Case("result-interval-excludes-estimate", _edited_result(
        _set("quality.accuracy_interval", {"low": 0.9, "high": 0.95, "level": 0.95,
                                           "method": "wilson"})), 2, E.ResultSenseError,
         ("quality.accuracy_interval", "containing its estimate quality.accuracy"), group="result"),
    Case("result-negative-epsilon", _edited_result(
        _set("sections.privacy.section.spend.epsilon", -1.0)), 2, E.ResultSenseError,
         ("sections['privacy'].section.spend.epsilon", "a value >= 0"), group="result"),
    Case("result-fractional-count", _edited_result(_set("quality.n", 200.5)), 2,
         E.ResultFormatError, ("quality.n",), group="result"),
    Case("result-edited-but-possible-report", _edited_result(_set("metadata.run_name", "renamed")),
         0, None, ("was edited after rai-audit wrote it",), group="result"),
    Case("result-edited-but-possible-check", _edited_result(
        _set("metadata.run_name", "renamed"), "check"), 0, None,
         ("was edited after rai-audit wrote it", "judging it as it is"), group="result"),
    # ---- the file system and the output folder ------------------------------------------------
    Case("report-over-its-own-input", _run_then(lambda f: [
        "report", str(f / "R" / "result.json"), "--out", str(f / "R" / "result.json")]), 2,
         E.OverwritesInputError, ("the input file itself",), group="files"),
    Case("card-over-its-own-input", _run_then(lambda f: [
        "card", str(f / "R" / "result.json"), "--out", str(f / "R" / "result.json")]), 2,
         E.OverwritesInputError, ("the input file itself",), group="files"),
    Case("technical-doc-over-its-own-input", _run_then(lambda f: [
        "card", str(f / "R" / "result.json"), "--technical", "--out", str(f / "R" / "result.json")]),
         2, E.OverwritesInputError, ("the input file itself",), group="files"),
    Case("report-out-is-a-folder", _run_then(lambda f: [
        "report", str(f / "R" / "result.json"), "--out", str(f / "R")]), 2, E.OutputPathError,
         ("an existing folder", "report.html"), group="files"),
    Case("run-out-under-a-file", lambda f, c: [
        *run_with()(f, c)[:3], str(_write(f / "blocker", "x") / "out")], 2, E.OutputPathError,
         ("output directory",), group="files"),
    Case("run-out-is-a-file", lambda f, c: [
        *run_with()(f, c)[:3], str(_write(f / "taken", "x"))], 2, E.OutputPathError,
         ("an existing file",), group="files"),
    Case("run-out-locked-by-another-run", _locked, 2, E.OutputLockedError,
         ("a run in progress (process", "wait for that run to finish"), group="files"),
    Case("run-input-inside-what-it-replaces", lambda f, c: _input_inside_outputs(f), 2,
         E.OverwritesInputError, ("inside the output folder",), group="files"),
    Case("scan-empty-file", _scan(b""), 2, E.EmptyTableError, ("an empty file",), group="files"),
    Case("scan-latin1-file", _scan("age,name\n39,Jos\u00e9\n".encode("latin-1")), 2,
         E.FileEncodingError, ("byte 0xe9", "line 2"), group="files"),
    Case("scan-redact-over-input", lambda f, c: [
        *_scan(b"age,note\n39,hello\n")(f, c), "--text-column", "note", "--redact-to",
        str(f / "people.csv")], 2, RedactionPathError, ("the input file itself",), group="files"),
    Case("dashboard-missing-path", lambda f, c: ["dashboard", str(f / "nope")], 2, E.ConfigError,
         ("an existing result.json or folder",), group="files"),
    # ---- the Python API -------------------------------------------------------------------
    Case("api-duplicate-column-labels", _api_duplicate_labels, 2, E.DuplicateColumnError,
         ("'age' (positions 1, 14)",), group="api", api=True),
    Case("api-mixed-types-in-a-column", _api_mixed_types, 2, E.ColumnTypeError,
         ("hours-per-week", "one type per column", "'forty'"), group="api", api=True),
    Case("api-fit-learning-rate-nan", _api_fit(learning_rate=float("nan")), 2, E.RaiAuditError,
         ("learning_rate", "a positive float", "nan"), group="api", api=True),
    Case("api-fit-three-class-labels", _api_fit(labels=[0, 1, 2, 1] * 8), 2,
         E.TargetNotBinaryError, ("labels from 0 to 2", "binarise the target"), group="api",
         api=True),
    Case("api-fit-device-unknown", _api_fit(device="tpu"), 2, E.DeviceError,
         ("'tpu'",), group="api", api=True),
    Case("api-privacy-infinite-epsilon", _api_privacy_inf, 2, E.ConfigError,
         ("privacy.target_epsilon", "a finite number", "inf"), group="api", api=True),
    Case("api-load-impossible-result", _api_load_result(_set("quality.recall", -0.5)), 2,
         E.ResultSenseError, ("quality.recall", "a proportion in [0, 1]"), group="api", api=True),
    Case("api-hf-pickle-weights-not-allowed", _api_hf_bin, 2, E.UnsafeWeightsError,
         ("only pickled weights (pytorch_model.bin)", "allow_pickle_weights"), group="api",
         api=True),
    Case("api-hf-malicious-pickle", _api_hf_evil, 2, E.UnsafeWeightsError,
         ("a pickle it refused",), group="api", api=True),
    Case("api-text-file-not-utf8", _api_text_latin1, 2, TextEncodingError,
         ("byte 0xe9",), group="api", api=True),
    Case("validate-every-table-problem-together",
         validate_with({"data": {"target": "incme", "sensitive_features": ["sx"],
                                 "numeric": ["age", "hours-per-wek"], "categorical": ["race"]}}), 2,
         E.MissingColumnError, ("6 problems", "train['incme']", "test['incme']",
                                "Did you mean 'income'?", "Did you mean 'sex'?",
                                "'hours-per-wek'", "Did you mean 'hours-per-week'?")),
    Case("validate-favourable-label-absent",
         validate_with({"data": {"favourable_label": "<=50k.", "positive_label": "rich"}}), 2,
         E.LabelNotFoundError, ("4 problems", "data.positive_label", "data.favourable_label",
                                "'rich'")),
    Case("validate-yes-read-as-boolean",
         validate_with({"data": {"positive_label": True}}), 2, E.LabelNotFoundError,
         ("quote the label",)),
    Case("validate-numbers-stored-with-units", validate_with(train=_ages_with_units), 2,
         E.ColumnTypeError, ("train['age']", "'39 years'")),
    Case("csv-missing-column-lists-every-column",
         run_with({"data": {"sensitive_features": ["extra_19x"]}}, train=_wide_table), 2,
         E.MissingColumnError, ("'extra_19'", "Did you mean 'extra_19'?")),
    Case("csv-path-and-train-path", _one_file({"data": {"train_path": "train.csv"}}), 2,
         E.ConfigError, ("data.path", "either one table")),
    Case("csv-one-file-test-fraction-out-of-range", _one_file({"data": {"test_fraction": 1.5}}),
         2, E.ConfigError, ("data.test_fraction",)),
]


def _write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def _input_inside_outputs(folder: Path) -> list[str]:
    write_tables(folder)
    (folder / "out" / "model").mkdir(parents=True)
    (folder / "train.csv").rename(folder / "out" / "model" / "train.csv")
    write_config(folder, {"data": {"train_path": "out/model/train.csv"}})
    return run_args(folder)


class Context:
    """What rows may ask for: the good result (made once), a held lock, a check to run after."""

    def __init__(self, request) -> None:
        self._request = request
        self.locks: list[tuple[int, Path]] = []
        self.checks: list[Callable[[], bool]] = []

    def copy_result(self, folder: Path) -> None:
        import shutil

        source = self._request.getfixturevalue("good_result")
        shutil.copytree(source, folder)

    def hold(self, fd: int, out_dir: Path) -> None:
        self.locks.append((fd, out_dir))

    def after(self, check: Callable[[], bool]) -> None:
        self.checks.append(check)

    def close(self) -> None:
        from audit._staging import _release

        for fd, out_dir in self.locks:
            _release(out_dir, fd)


@pytest.fixture(scope="module")
def good_result(tmp_path_factory):
    """A real result (tiny run, DP-SGD, fairness on sex) with its report, written by the CLI."""
    folder = tmp_path_factory.mktemp("good")
    write_tables(folder)
    write_config(folder, {"training": {"privacy": {"noise_multiplier": 1.0}},
                          "audits": {"fairness": {"enabled": True, "bootstrap_replicates": 50,
                                                  "score_bootstrap_replicates": 0,
                                                  "mitigation": {"enabled": False}}}})
    out = CliRunner().invoke(app, run_args(folder))
    assert out.exit_code == 0, out.output
    return folder / "out"


_CLASS = re.compile(r"error \((\w+)\): ")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path, request, monkeypatch):
    if case.skip_if is not None and case.skip_if():
        pytest.skip(case.skip_if())
    monkeypatch.chdir(tmp_path)  # a default output_dir would land here, never in the repo
    ctx = Context(request)
    try:
        made = case.make(tmp_path, ctx)
        if case.api:
            with pytest.raises(case.error) as caught:
                made()
            message, code = str(caught.value), case.code
            assert isinstance(caught.value, ValueError), type(caught.value)
        else:
            out = CliRunner().invoke(app, made)
            message, code = out.output, out.exit_code
            assert "Traceback" not in message, message
            assert "\x1b" not in message and "\u202e" not in message, message  # escaped
            assert out.exit_code == case.code, message
            if case.error is not None:
                found = _CLASS.search(message)
                assert found, message
                assert found.group(1) == case.error.__name__, message
            else:
                assert "error" not in message.lower().split("warning")[0], message
        for phrase in case.phrases:
            assert phrase in message, (phrase, message)
        for check in ctx.checks:
            assert check()
    finally:
        ctx.close()
    assert leftovers(tmp_path) == []
    MESSAGES[case.id] = (case.error.__name__ if case.error else "warning", code,
                         _first_line(message.replace(str(tmp_path), "TMP"), case))


def _first_line(message: str, case: Case) -> str:
    """The line a reader sees first: the error (its first problem), or the row's warning."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    if case.error is None:
        lines = [line for line in lines if case.phrases[0] in line] or lines
    elif lines and re.search(r"\d+ problems found:$", lines[0]) and len(lines) > 1:
        lines = [f"{lines[0]} {lines[1]}", *lines[2:]]
    return lines[0][:300] if lines else ""


def test_dp_batch_warning_is_stated_in_the_result_and_report(tmp_path, monkeypatch):
    """The warning rows say it in the output *and* in result.json and the report."""
    monkeypatch.chdir(tmp_path)
    argv = run_with({"training": {"batch_size": 4096, "privacy": {"noise_multiplier": 1.0}}})(
        tmp_path, None)
    assert CliRunner().invoke(app, argv).exit_code == 0
    result = json.loads((tmp_path / "out" / "result.json").read_text())
    assert any("sampling rate is 1.0" in w for w in result["metadata"]["warnings"])
    assert "sampling rate is 1.0" in (tmp_path / "out" / "report.html").read_text()
    assert "sampling rate is 1.0" in (tmp_path / "out" / "model_card.md").read_text()


def test_a_detected_delimiter_reads_the_table(tmp_path, monkeypatch):
    """A ';' file with no stated delimiter is read as the same table as the ',' file."""
    from audit.data._read import read_table

    train, _ = tables()
    (tmp_path / "semi.csv").write_bytes(csv_text(train, sep=";"))
    (tmp_path / "comma.csv").write_bytes(csv_text(train))
    pd.testing.assert_frame_equal(read_table(tmp_path / "semi.csv"),
                                  read_table(tmp_path / "comma.csv"))
    assert read_table(tmp_path / "comma.csv").index[:3].tolist() == [2, 3, 4]  # file lines


def test_a_stated_encoding_and_thousands_separator_are_used(tmp_path):
    from audit.data._read import read_table

    (tmp_path / "l1.csv").write_bytes("name,amount\nJos\u00e9,\"1,234\"\n".encode("latin-1"))
    frame = read_table(tmp_path / "l1.csv", encoding="latin-1", thousands=",")
    assert frame["name"].tolist() == ["Jos\u00e9"] and frame["amount"].tolist() == [1234]


def test_allowed_pickle_weights_load_with_weights_only(tmp_path):
    from audit.models._text import hf_classifier

    model = hf_classifier(_hf_folder(tmp_path), allow_pickle_weights=True)
    assert type(model).__name__ == "BertForSequenceClassification"
