"""Tabular data: validated loading, preprocessing fitted on train only, sensitive groups."""

from audit.data._adult import ADULT_SOURCE, adult_file, default_adult_dir, load_adult, read_adult_split
from audit.data._example import example_people
from audit.data._preprocessing import TabularPreprocessor
from audit.data._preview import check_config_data, config_data_problems
from audit.data._read import column_type_problems, read_table
from audit.data._split import TableSplit, split_table
from audit.data._tabular import (
    DataSource,
    TabularDataset,
    TabularSplit,
    build_tabular_dataset,
    encode_target,
    sensitive_groups,
)
from audit.data._validation import target_problems, validate_table

__all__ = [
    "ADULT_SOURCE",
    "DataSource",
    "TabularDataset",
    "TabularPreprocessor",
    "TableSplit",
    "TabularSplit",
    "adult_file",
    "build_tabular_dataset",
    "check_config_data",
    "config_data_problems",
    "column_type_problems",
    "default_adult_dir",
    "encode_target",
    "example_people",
    "load_adult",
    "read_adult_split",
    "read_table",
    "sensitive_groups",
    "split_table",
    "target_problems",
    "validate_table",
]
