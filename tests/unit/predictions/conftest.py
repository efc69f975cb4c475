"""Fixtures of the prediction-log tests: the synthetic log (and its parquet file), the pandas
path's audit, and real engines: a Spark session in local[2] mode and a Dask LocalCluster,
each started once per session."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from tests.unit.predictions._log import CONFIG, KW, make_log


@pytest.fixture(scope="session")
def log_frame():
    return make_log()


@pytest.fixture(scope="session")
def log_parquet(log_frame, tmp_path_factory):
    path = tmp_path_factory.mktemp("log") / "log.parquet"
    log_frame.to_parquet(path, row_group_size=5000)
    return path


@pytest.fixture(scope="session")
def log_folder(log_frame, tmp_path_factory):
    """The log as a folder of 4 parquet files (how Spark and Dask write tables)."""
    folder = tmp_path_factory.mktemp("log_folder")
    for i, part in enumerate(np.array_split(np.arange(len(log_frame)), 4)):
        log_frame.iloc[part].to_parquet(folder / f"part-{i}.parquet")
    return folder


@pytest.fixture(scope="session")
def pandas_result(log_frame):
    from audit.predictions import audit_predictions

    return audit_predictions(log_frame, **KW, config=CONFIG)


@pytest.fixture(scope="session")
def spark():
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java 17+ (make java-deps installs it)")
    from audit.predictions import spark_session

    session = spark_session("local[2]", {
        "spark.sql.shuffle.partitions": "4", "spark.ui.enabled": "false",
        "spark.sql.session.timeZone": "UTC", "spark.driver.memory": "1g"})
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def dask_client():
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client
