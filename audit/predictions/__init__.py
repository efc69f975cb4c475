"""Audits of prediction logs where they live: pandas, Polars, pyarrow, Dask or Spark.

A log of (true label, score or decision, sensitive columns, optional features and timestamp)
is aggregated by its own engine through narwhals, one code path for all: only small counts
tables reach the driver (each one listed in ``result.metadata.log.queries``). From them the
fairness module computes every group metric, interval, disparity and verdict, exactly as from
rows; score metrics come from per-group histograms with a stated error bound; error-analysis
slices and k-anonymity / l-diversity come from group-bys; with a timestamp, fairness is also
measured per day, week or month, with gates on the latest window.
"""

from audit.predictions._audit import audit_predictions, run_prediction_audit
from audit.predictions._cli import headline as log_headline
from audit.predictions._cli import run_from_config
from audit.predictions._config import (
    LogPrivacyConfig,
    LogSource,
    PredictionAuditConfig,
    load_prediction_config,
    parse_prediction_config,
)
from audit.predictions._engines import ENGINES, PredictionLog, open_log, read_native, spark_session
from audit.predictions._errors import (
    CountsTableTooLargeError,
    EngineNotInstalledError,
    LogColumnMissingError,
    LogConfigError,
    LogValueError,
    UnsupportedTableError,
)
from audit.predictions._histograms import binned_auc

__all__ = [
    "ENGINES",
    "CountsTableTooLargeError",
    "EngineNotInstalledError",
    "LogColumnMissingError",
    "LogConfigError",
    "LogPrivacyConfig",
    "LogSource",
    "LogValueError",
    "PredictionAuditConfig",
    "PredictionLog",
    "UnsupportedTableError",
    "audit_predictions",
    "binned_auc",
    "load_prediction_config",
    "log_headline",
    "open_log",
    "parse_prediction_config",
    "read_native",
    "run_from_config",
    "run_prediction_audit",
    "spark_session",
]
