"""What the runner needs from each kind of data: load, build, train, score, save, describe.

One :class:`Pipeline` per modality; the runner (:mod:`audit.runner`) is the same for all. The
tabular pipeline is here; the text pipeline is :class:`audit.text.TextPipeline`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np

from audit.core import Modality, library_versions
from audit.data import DataSource, TabularDataset, build_tabular_dataset, load_adult, read_table
from audit.errors import ConfigError
from audit.result import DataInfo


class Pipeline(Protocol):
    """The modality-specific half of a run."""

    modality: Modality

    def load(self, config: Any) -> tuple[Any, dict[str, Any]]:
        """The dataset and modality extras (e.g. the tokenizer)."""

    def build(self, config: Any, dataset: Any, extras: dict[str, Any]) -> Any:
        """A fresh, untrained model of the configured architecture."""

    def fit(self, model: Any, dataset: Any, config: Any, *, callbacks: list, progress: bool,
            extras: dict[str, Any]) -> Any:
        """Train ``model`` with the config's training settings; a TrainingRun."""

    def predict(self, model: Any, split: Any, dataset: Any) -> np.ndarray:
        """P(positive class) for each row of ``split``."""

    def save(self, model: Any, directory: Path, config: Any, dataset: Any,
             extras: dict[str, Any]) -> Path:
        """Write the trained model (safetensors) into ``directory``."""

    def data_info(self, dataset: Any) -> DataInfo:
        """The data half of the model card."""

    def versions(self) -> dict[str, str]:
        """Library versions to record."""


def load_dataset(config: Any) -> TabularDataset:
    """Load the table named by ``config.data`` (loaders ``adult`` and ``csv``)."""
    data = config.data
    if data.loader == "adult":
        return load_adult(data.path, sensitive_features=data.sensitive_features,
                          sensitive_bins=data.sensitive_bins or None,
                          use_sensitive_as_features=data.use_sensitive_as_features,
                          validation_fraction=data.validation_fraction, seed=config.seed)
    frames, name, source = csv_frames(data, config.seed)
    # a model rai-audit trains learns the favourable label as its positive class; a model
    # trained elsewhere keeps its own positive class, read the other way round if need be
    elsewhere = getattr(config.model, "trained_elsewhere", False)
    favourable = data.favourable_label if data.favourable_label is not None else (
        data.positive_label)
    return build_tabular_dataset(
        frames[0], frames[1], target=data.target,
        positive_label=data.positive_label if elsewhere else favourable,
        favourable_label=favourable if elsewhere else None,
        sensitive_features=data.sensitive_features, numeric=data.numeric,
        categorical=data.categorical, drop_columns=data.drop_columns,
        sensitive_bins=data.sensitive_bins, use_sensitive_as_features=data.use_sensitive_as_features,
        validation_fraction=data.validation_fraction, seed=config.seed,
        name=name, source=DataSource(name=source),
    )


def csv_frames(data: Any, seed: int) -> tuple[list[Any], str, str]:
    """``([train, test], name, source)`` of a csv config: two files as given, or one file
    (``data.path``) split by :func:`audit.data.split_table`."""
    from audit.data import split_table

    if data.path is not None and (data.train_path is not None or data.test_path is not None):
        raise ConfigError("data.path", "either one table (path, split by rai-audit) or "
                          "train_path and test_path", "both", "keep one of them")
    read = dict(encoding=data.encoding, delimiter=data.delimiter, thousands=data.thousands)
    if data.path is not None:
        if not Path(data.path).is_file():
            raise ConfigError("data.path", "an existing CSV, JSON Lines or Parquet file "
                              "(loader csv: one table, split by rai-audit)", str(data.path),
                              "check the path (relative paths are read from the config's folder)")
        split = split_table(read_table(data.path, **read), target=data.target,
                            sensitive_features=data.sensitive_features,
                            test_fraction=data.test_fraction, seed=seed,
                            sensitive_bins=data.sensitive_bins)
        return ([split.train, split.test], Path(data.path).stem,
                f"{data.path} ({split.description})")
    missing = [k for k in ("train_path", "test_path") if getattr(data, k) is None]
    if missing:
        raise ConfigError(f"data.{missing[0]}", "a CSV path when data.loader is 'csv' (or "
                          "data.path: one table that rai-audit splits)", "nothing",
                          f"add data.{missing[0]}: path/to/file.csv, or data.path: table.csv")
    frames = []
    for key in ("train_path", "test_path"):
        path = getattr(data, key)
        if not Path(path).is_file():
            raise ConfigError(f"data.{key}", "an existing CSV, JSON Lines or Parquet file",
                              str(path), "check the path")
        frames.append(read_table(path, **read))
    return frames, Path(data.train_path).stem, str(data.train_path)


def fit_settings(config: Any) -> dict[str, Any]:
    """The config's training settings as :func:`audit.training.fit` keywords (no privacy)."""
    tc = config.training
    return {"epochs": tc.epochs, "batch_size": tc.batch_size, "optimizer": tc.optimizer,
            "learning_rate": tc.learning_rate, "weight_decay": tc.weight_decay,
            "device": tc.device}


class TabularPipeline:
    """Tables (``data.loader``: ``adult`` or ``csv``) and the MLP kinds of :mod:`audit.models`."""

    modality: Modality = "tabular"

    def load(self, config: Any) -> tuple[TabularDataset, dict[str, Any]]:
        return load_dataset(config), {}

    def build(self, config: Any, dataset: TabularDataset, extras: dict[str, Any]) -> Any:
        from audit.models import build_from_factory, build_model

        if config.model.factory is not None:
            return build_from_factory(config.model.factory, dataset, config.model.options)
        return build_model(config.model.kind, input_width=dataset.n_features,
                           hidden_sizes=config.model.hidden_sizes, dropout=config.model.dropout)

    def fit(self, model: Any, dataset: TabularDataset, config: Any, *, callbacks: list,
            progress: bool, extras: dict[str, Any]) -> Any:
        from audit.training import fit

        return fit(model, dataset.train.to_torch(), validation=dataset.validation.to_torch(),
                   seed=config.seed, privacy=config.training.privacy, callbacks=callbacks,
                   progress=progress, **fit_settings(config))

    def predict(self, model: Any, split: Any, dataset: TabularDataset) -> np.ndarray:
        from audit.models import predict_proba

        return predict_proba(model, split.X)

    def save(self, model: Any, directory: Path, config: Any, dataset: TabularDataset,
             extras: dict[str, Any]) -> Path:
        from audit.models import save_model

        factory = ({"factory": config.model.factory, "options": config.model.options}
                   if config.model.factory is not None else {})
        return save_model(model, directory, kind="factory" if factory else config.model.kind,
                          extra={"preprocessing": dataset.preprocessor.to_dict(), **factory})

    def data_info(self, dataset: TabularDataset) -> DataInfo:
        ds = dataset
        return DataInfo(
            name=ds.name, source=ds.source.name, citation=ds.source.citation,
            license=ds.source.license, target=ds.target,
            positive_label=ds.model_positive_label or ds.positive_label,
            favourable_label=ds.positive_label,
            sensitive_features=ds.sensitive_features, features=tuple(ds.feature_groups),
            n_encoded_features=ds.n_features, n_train=len(ds.train), n_validation=len(ds.validation),
            n_test=len(ds.test), base_rate_train=float(ds.train.y.mean()),
            base_rate_test=float(ds.test.y.mean()),
        )

    def versions(self) -> dict[str, str]:
        return library_versions()


def pipeline_for(config: Any) -> Pipeline:
    """The pipeline of ``config.data.loader`` (``text``: text; otherwise tabular)."""
    if config.data.loader == "text":
        from audit.text import TextPipeline

        return TextPipeline()
    return TabularPipeline()


def modality_of(config: Any) -> Modality:
    """The modality a config audits, without loading anything."""
    return "text" if config.data.loader == "text" else "tabular"
