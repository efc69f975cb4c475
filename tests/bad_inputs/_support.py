"""Shared pieces of the bad-input catalogue: small real tables, a one-epoch config, and the
check that nothing temporary is left behind."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path

import pandas as pd
import yaml

#: Names of what a run leaves on disk only while it runs (see audit._staging).
TEMPORARY_MARKERS = (".tmp", "rai-audit-staging", "rai-audit-old", "rai-audit.lock")


@functools.cache
def adult_sample() -> tuple[pd.DataFrame, pd.DataFrame]:
    """300 training and 200 test rows of the shipped UCI Adult files (seeded sample), without
    the two columns the census sample drops (fnlwgt, education)."""
    from audit.data._adult import default_adult_dir, read_adult_split

    folder = default_adult_dir()
    train = read_adult_split(folder / "adult.data.gz").sample(300, random_state=0)
    test = read_adult_split(folder / "adult.test.gz").sample(200, random_state=0)
    drop = ["fnlwgt", "education"]
    return (train.drop(columns=drop).reset_index(drop=True),
            test.drop(columns=drop).reset_index(drop=True))


def tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fresh copies of :func:`adult_sample` to corrupt."""
    train, test = adult_sample()
    return train.copy(), test.copy()


BASE_CONFIG = {
    "name": "tiny",
    "seed": 0,
    "data": {"loader": "csv", "train_path": "train.csv", "test_path": "test.csv",
             "target": "income", "positive_label": ">50K", "sensitive_features": ["sex"]},
    "model": {"kind": "mlp", "hidden_sizes": [8]},
    "training": {"epochs": 1, "batch_size": 64},
    "audits": {"quality": True},
}


def merge(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def write_config(folder: Path, extra: dict | None = None, name: str = "audit.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(merge(BASE_CONFIG, extra or {}), sort_keys=False))
    return path


def write_tables(folder: Path, train: pd.DataFrame | None = None,
                 test: pd.DataFrame | None = None) -> None:
    base_train, base_test = tables()
    (train if train is not None else base_train).to_csv(folder / "train.csv", index=False)
    (test if test is not None else base_test).to_csv(folder / "test.csv", index=False)


def leftovers(folder: Path) -> list[str]:
    """Temporary files, staging folders and lock files anywhere under ``folder``."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if any(marker in p.name for marker in TEMPORARY_MARKERS))


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes (to prove a folder did not change)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def edit_json(path: Path, edit) -> None:
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document))
