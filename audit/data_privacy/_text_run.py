"""The data scan of a text run: personal data in the text columns (e-mails, phones, cards, IP
addresses, names...) and re-identification risk of the other columns, before training."""

from __future__ import annotations

from typing import Any

import pandas as pd

from audit.data_privacy._audit import raw_table, scan_with_config
from audit.data_privacy._config import DataPrivacyAuditConfig
from audit.data_privacy._files import read_table
from audit.result import DataPrivacySection


def _text_columns(dataset: Any) -> list[str]:
    return [c for c in (dataset.text, dataset.text_pair) if c]


def split_frame(dataset: Any) -> pd.DataFrame:
    """Every split's texts and group columns, as loaded (when the files are not at hand)."""
    parts = []
    for split in (dataset.train, dataset.validation, dataset.test):
        parts.append(pd.concat([split.texts.reset_index(drop=True), split.sensitive.reset_index(drop=True)],
                               axis=1))
    return pd.concat(parts, ignore_index=True)


def scan_text_run(dataset: Any, config: DataPrivacyAuditConfig, run_config: Any = None) -> DataPrivacySection:
    """Scan the run's table with its text columns (``config.text_columns``, default the
    dataset's text and text pair) searched for personal data.

    The table is ``config.path`` when set, else the run's train and test files as read from
    disk (every column), else the loaded splits' texts and group columns.
    """
    cfg = config.model_copy(update={"text_columns": list(config.text_columns or _text_columns(dataset))})
    if cfg.path is not None:
        frame, source = read_table(cfg.path), str(cfg.path)
    elif run_config is not None:
        frame, source = raw_table(run_config)
    else:
        frame, source = split_frame(dataset), f"{dataset.name}: loaded splits"
    target = dataset.target if dataset.target in frame.columns else None
    return scan_with_config(frame, cfg, sensitive=target, source=source)
