"""Entry points of the config-driven runner: the scan runs on the data, before training."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from audit.data_privacy._config import ADULT_QUASI_IDENTIFIERS, DataPrivacyAuditConfig
from audit.data_privacy._files import read_table
from audit.data_privacy._scan import default_quasi_identifiers, scan_table
from audit.result import DataPrivacySection

if TYPE_CHECKING:  # pragma: no cover
    from audit.data import TabularDataset

#: The run's :class:`audit.config.AuditConfig`. Not imported: the config module sits above every
#: audit (it reads their config models), so an audit importing it would close a cycle.
AuditConfig = Any


def scan_with_config(frame: pd.DataFrame, config: DataPrivacyAuditConfig, *,
                     quasi_identifiers: list[str] | None = None, sensitive: str | None = None,
                     source: str = "table") -> DataPrivacySection:
    """:func:`scan_table` with the settings of an ``audits.data_privacy`` block (the config's
    own quasi-identifiers and sensitive column win over the defaults passed here)."""
    return scan_table(
        frame, config.quasi_identifiers or quasi_identifiers,
        sensitive=config.sensitive or sensitive, k_target=config.k_target, l_target=config.l_target,
        max_suppression=config.max_suppression, generalise=config.generalise,
        n_smallest=config.n_smallest, text_columns=config.text_columns,
        bin_widths=config.numeric_bin_widths or None, rare_thresholds=config.rare_thresholds,
        beam_width=config.beam_width, phone_region=config.phone_region, source=source)


def census_table(directory: str | Path | None = None) -> pd.DataFrame:
    """UCI Adult as read from its files (default: the shipped copy): train and test rows
    together (48,842), every original column, '?' read as "Unknown"."""
    from audit.data import adult_file, default_adult_dir, read_adult_split

    folder = Path(directory) if directory is not None else default_adult_dir()
    return pd.concat([read_adult_split(adult_file(folder, s)) for s in ("adult.data", "adult.test")],
                     ignore_index=True)


def raw_table(config: AuditConfig) -> tuple[pd.DataFrame, str]:
    """The table the audit trains and tests on, as read from disk (all original columns,
    train and test rows together), and a description of where it came from."""
    data = config.data
    if data.loader == "adult":
        from audit.data import ADULT_SOURCE

        return census_table(data.path), f"{ADULT_SOURCE.name}, train + test rows"
    paths = [p for p in (data.path, data.train_path, data.test_path) if p is not None]
    frames = [read_table(p) for p in paths]
    return pd.concat(frames, ignore_index=True), " + ".join(Path(p).name for p in paths)


def feature_quasi_identifiers(frame: pd.DataFrame, features: list[str]) -> list[str]:
    """The default quasi-identifiers of a table the model was trained on: its features (never
    the label or dropped columns such as outcomes) with 2 to 100 distinct values."""
    present = [f for f in features if f in frame.columns]
    return default_quasi_identifiers(frame[present])


def scan_for_config(config: AuditConfig, features: list[str] | None = None) -> DataPrivacySection:
    """Run the scan an audit config asks for, on ``audits.data_privacy.path`` or the audit's
    own table; needs no model, so the runner calls it before training.

    Census defaults: the 8 quasi-identifiers of :data:`ADULT_QUASI_IDENTIFIERS`, the target
    (income) as the sensitive column. Other tables: the model's ``features`` (never the label
    or the columns dropped from the features) with 2 to 100 distinct values.
    """
    section_config = config.audits.data_privacy
    if section_config.path is not None:
        frame, source = read_table(section_config.path), str(section_config.path)
    else:
        frame, source = raw_table(config)
    defaults = (list(ADULT_QUASI_IDENTIFIERS) if config.data.loader == "adult"
                and section_config.path is None else None)
    if defaults is None and features is not None:
        defaults = feature_quasi_identifiers(frame, features)
    sensitive = config.data.target if config.data.target in frame.columns else None
    return scan_with_config(frame, section_config, quasi_identifiers=defaults, sensitive=sensitive,
                            source=source)


def training_callbacks(dataset: TabularDataset, config: DataPrivacyAuditConfig, seed: int) -> list:
    """None: the scan looks at the data, not at training."""
    return []


def run_audit(dataset: TabularDataset, model: Any, config: DataPrivacyAuditConfig, seed: int,
              **_: Any) -> DataPrivacySection:
    """Scan a loaded dataset's original feature columns (all splits) plus its target.

    ``model`` is ignored. The runner uses :func:`scan_for_config` instead, which also sees the
    columns a loader drops from the features (for census: education).
    """
    frames = []
    for split in (dataset.train, dataset.validation, dataset.test):
        part = split.raw.copy()
        part[dataset.target] = np.where(split.y == 1, dataset.positive_label, "other")
        frames.append(part)
    frame = pd.concat(frames, ignore_index=True)
    defaults = ([q for q in ADULT_QUASI_IDENTIFIERS if q in frame.columns] if dataset.name == "adult"
                else feature_quasi_identifiers(frame, list(split.raw.columns)))
    return scan_with_config(frame, config, quasi_identifiers=defaults, sensitive=dataset.target,
                            source=f"{dataset.name} (encoded dataset's original columns)")
