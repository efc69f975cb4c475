"""Tabular data: validated loading, preprocessing fitted on train only, sensitive groups."""

from audit.data._adult import load_adult, read_adult_split
from audit.data._preprocessing import TabularPreprocessor
from audit.data._tabular import (
    DataSource,
    TabularDataset,
    TabularSplit,
    build_tabular_dataset,
    sensitive_groups,
)
from audit.data._validation import validate_table

__all__ = [
    "DataSource",
    "TabularDataset",
    "TabularPreprocessor",
    "TabularSplit",
    "build_tabular_dataset",
    "load_adult",
    "read_adult_split",
    "sensitive_groups",
    "validate_table",
]
