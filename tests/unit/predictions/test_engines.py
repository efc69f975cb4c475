"""Real engines against the pandas path: PySpark in local[2] mode and a Dask LocalCluster read
the same log where it is; counts are identical, every metric equal to 1e-12, score metrics
within their stated error of the exact row-level values, and only counts tables reach the
driver (their rows add up to what the driver received; Spark's plans aggregate before
anything is collected)."""

import contextlib
import io

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from audit.predictions import audit_predictions, open_log
from tests.unit.predictions._log import CONFIG, KW, same


def assert_same_audit(result, reference):
    assert result.metadata.log.n_rows == reference.metadata.log.n_rows
    same(result.fairness.partitions, reference.fairness.partitions)
    same(result.fairness.windows, reference.fairness.windows)
    same(result.error_analysis.analyses, reference.error_analysis.analyses)
    same(result.data_privacy.anonymity, reference.data_privacy.anonymity)
    same(result.quality, reference.quality)
    # same counts tables, query by query
    assert ([(q.name, q.rows) for q in result.metadata.log.queries]
            == [(q.name, q.rows) for q in reference.metadata.log.queries])


def assert_scores_within_bounds(result, frame):
    for g in result.fairness.partitions[0].groups:
        rows = frame[frame["sex"] == g.labels[0]]
        exact = roc_auc_score(rows["label"], rows["score"])
        auc = g.metrics["roc_auc"]
        assert abs(auc.value - exact) <= auc.error_bound


def assert_counts_tables_only(info, reference, frame):
    """The driver received the counts tables and nothing else: their rows add up to what was
    collected, each within its limit, and they are the pandas path's tables (which
    test_counts_tables_do_not_grow_with_the_rows shows do not grow with the log)."""
    assert info.rows_collected == sum(q.rows for q in info.queries)
    assert all(q.rows <= q.limit for q in info.queries)
    assert info.rows_collected == reference.metadata.log.rows_collected < len(frame)


def _spark_plan(df) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        df.explain(mode="simple")
    return out.getvalue()


@pytest.mark.slow
def test_spark_local_equals_the_pandas_path(spark, log_parquet, log_frame, pandas_result):
    frame = spark.read.parquet(str(log_parquet))
    log = open_log(frame)
    assert log.engine == "pyspark"
    result = audit_predictions(log, **KW, config=CONFIG)
    assert result.metadata.log.engine == "pyspark"
    assert_same_audit(result, pandas_result)
    assert_scores_within_bounds(result, log_frame)
    # nothing row-sized reached the driver: every collected query is an aggregate of the scan
    info = result.metadata.log
    assert_counts_tables_only(info, pandas_result, log_frame)
    assert len(log.collected) == len(info.queries)
    for query, native in zip(info.queries, log.collected):
        plan = _spark_plan(native)
        first_aggregate = min(plan.find(op) for op in ("HashAggregate", "SortAggregate")
                              if op in plan)
        assert 0 <= first_aggregate < plan.find("FileScan"), (query.name, plan)


@pytest.mark.slow
def test_spark_reads_a_path_and_a_catalog_table(spark, log_folder, log_parquet, pandas_result):
    from audit.predictions import read_native

    by_path = audit_predictions(read_native(log_folder, engine="pyspark", spark=spark),
                                **{**KW, "timestamp": None, "window": None,
                                   "quasi_identifiers": None, "features": None},
                                config=CONFIG)
    spark.read.parquet(str(log_parquet)).createOrReplaceTempView("prediction_log")
    by_table = audit_predictions(spark.table("prediction_log"),
                                 **{**KW, "timestamp": None, "window": None,
                                    "quasi_identifiers": None, "features": None},
                                 config=CONFIG)
    same(by_path.fairness.partitions, pandas_result.fairness.partitions)
    same(by_table.fairness.partitions, pandas_result.fairness.partitions)


@pytest.mark.slow
def test_dask_local_cluster_equals_the_pandas_path(dask_client, log_folder, log_frame,
                                                   pandas_result):
    import dask.dataframe as dd

    frame = dd.read_parquet(str(log_folder))
    assert frame.npartitions == 4
    log = open_log(frame)
    result = audit_predictions(log, **KW, config=CONFIG)
    assert result.metadata.log.engine == "dask"
    assert_same_audit(result, pandas_result)
    assert_scores_within_bounds(result, log_frame)
    assert_counts_tables_only(result.metadata.log, pandas_result, log_frame)


@pytest.mark.slow
def test_bootstrap_on_engine_counts_is_fast(spark, log_parquet):
    import time

    from audit.fairness import GroupCounts
    from audit.predictions._counts import count_cells, partition_counts
    from audit.predictions._spec import LogSpec

    log = open_log(spark.read.parquet(str(log_parquet)))
    spec = LogSpec(label="label", favourable_label="1", sensitive_features=("sex", "race"),
                   score="score")
    cells = count_cells(log, spec, {"sex": __import__("narwhals").col("sex"),
                                    "race": __import__("narwhals").col("race")},
                        name="fairness counts", limit=10_000)
    counts = partition_counts(cells, ["sex", "race"]).counts
    assert isinstance(counts, GroupCounts) and int(counts.sizes.sum()) == log_rows(log_parquet)
    tick = time.perf_counter()
    replicates = counts.bootstrap(1000, np.random.default_rng(0))
    assert time.perf_counter() - tick < 0.5
    assert (replicates.sum(axis=(1, 2, 3)) == counts.counts.sum()).all()


def log_rows(path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows
