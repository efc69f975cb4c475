"""One code path over every dataframe engine: narwhals lazy frames in, small pandas tables out.

A prediction log arrives as a pandas, Polars or pyarrow table, a Dask or PySpark DataFrame, or a
path (parquet or CSV) read by one of them. narwhals wraps each as a lazy frame, so every
aggregate the audit needs is one expression tree that the engine itself plans and runs (Spark's
``HashAggregate``, Dask's tree reduction, Polars' streaming group-by). Only the aggregate's
result comes back, through :meth:`PredictionLog.collect`, which refuses any result larger than
its stated limit: a counts table never grows with the log's rows.
"""

from __future__ import annotations

import importlib
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import narwhals as nw
import pandas as pd

from audit.predictions._errors import (
    CountsTableTooLargeError,
    EngineNotInstalledError,
    LogColumnMissingError,
    UnsupportedTableError,
)
from audit.result import EngineQuery

EngineName = Literal["pandas", "polars", "pyarrow", "dask", "pyspark"]
ENGINES: tuple[str, ...] = ("pandas", "polars", "pyarrow", "dask", "pyspark")
#: The extra that installs each engine (shown in the fix of an import error).
_EXTRAS = {"pyspark": "spark", "dask": "dask", "polars": "polars"}
#: Prefix of the columns the audit adds to a query; log columns may not start with it.
INTERNAL = "__rai_"

# narwhals announces that its Dask backend moves to a separate package; the backend is the
# same code today, and that package is not published for this narwhals yet.
_DASK_NOTICE = "Dask support is moving out of Narwhals"
# pyspark warns that it has not been validated with pandas 3; no pandas object crosses into
# Spark here (results come back as Arrow tables).
_PANDAS3_NOTICE = "PySpark does not yet fully support pandas"


@contextmanager
def quiet() -> Iterator[None]:
    """Silence the two packaging notices above (nothing else) while engine code runs."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_DASK_NOTICE, category=FutureWarning)
        warnings.filterwarnings("ignore", message=_PANDAS3_NOTICE, category=FutureWarning)
        yield


def require(engine: str) -> Any:
    """Import ``engine``'s module, or raise :class:`EngineNotInstalledError` naming the extra."""
    module = {"pyspark": "pyspark.sql", "dask": "dask.dataframe"}.get(engine, engine)
    try:
        return importlib.import_module(module)
    except ImportError:
        extra = _EXTRAS.get(engine)
        fix = (f"pip install 'rai-audit[{extra}]'" if extra else f"pip install {engine}")
        raise EngineNotInstalledError(f"engine {engine!r}", f"the {engine} package installed",
                                      "it is not installed", fix) from None


def spark_session(master: str | None = None, conf: Mapping[str, str] | None = None,
                  app_name: str = "rai-audit") -> Any:
    """The active SparkSession, or a new one (``master`` as given; spark-submit sets its own).

    Starting a session takes seconds and needs Java, so there is no runnable example here: the
    ``spark`` fixture of ``tests/unit/predictions/conftest.py`` starts one with
    ``spark_session("local[2]", {"spark.sql.shuffle.partitions": "4", ...})`` for the Spark
    tests in ``tests/unit/predictions/test_engines.py``.
    """
    sql = require("pyspark")
    active = sql.SparkSession.getActiveSession()
    if active is not None and master is None and not conf:
        return active
    builder = sql.SparkSession.builder.appName(app_name)
    if master is not None:
        builder = builder.master(master)
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    with quiet():
        return builder.getOrCreate()


def _format(path: Path, fmt: str | None) -> str:
    if fmt is not None:
        return fmt
    if path.suffix.lower() == ".csv":
        return "csv"
    return "parquet"  # a .parquet file, or a folder of parquet files (a Spark/Dask output)


def read_native(path: str | Path, *, engine: EngineName = "polars", fmt: str | None = None,
                columns: Sequence[str] | None = None, spark: Any = None) -> Any:
    """The log at ``path`` as ``engine``'s own (lazy where the engine is) table.

    Polars scans lazily, Dask and Spark read in partitions on their workers; pandas and pyarrow
    load the needed ``columns`` into memory (for logs that fit on one machine).

    Raises
    ------
    UnsupportedTableError, EngineNotInstalledError
    """
    text = str(path)
    if "://" not in text and not Path(text).exists():
        raise UnsupportedTableError(f"log path {text!r}", "an existing parquet or CSV file or folder",
                                    "no such path", "check the path (relative paths are read "
                                    "from the config's folder)")
    kind = _format(Path(text), fmt)
    if kind not in ("parquet", "csv"):
        raise UnsupportedTableError(f"log format of {text!r}", "parquet or csv", repr(kind),
                                    "write the log as parquet (or CSV with a header row)")
    cols = list(columns) if columns is not None else None
    if engine == "polars":
        pl = require("polars")
        if kind == "csv":
            frame = pl.scan_csv(text, try_parse_dates=True)
        else:
            frame = pl.scan_parquet(f"{text.rstrip('/')}/**/*.parquet" if Path(text).is_dir()
                                    else text)
        return frame.select(cols) if cols else frame
    if engine == "pandas":
        return (pd.read_csv(text, usecols=cols) if kind == "csv"
                else pd.read_parquet(text, columns=cols))
    if engine == "pyarrow":
        import pyarrow.dataset as ds

        return ds.dataset(text, format=kind).to_table(columns=cols)
    if engine == "dask":
        dd = require("dask")
        return (dd.read_csv(text, usecols=cols) if kind == "csv"
                else dd.read_parquet(text, columns=cols))
    if engine == "pyspark":
        session = spark if spark is not None else spark_session()
        reader = session.read
        frame = (reader.csv(text, header=True, inferSchema=True) if kind == "csv"
                 else reader.parquet(text))
        return frame.select(*cols) if cols else frame
    raise UnsupportedTableError("engine", f"one of {list(ENGINES)}", repr(engine),
                                "pick one of the listed engines")


@dataclass(eq=False)
class PredictionLog:
    """A prediction log wrapped for the audit: a narwhals lazy frame and the queries run on it.

    Attributes
    ----------
    frame : narwhals.LazyFrame
    engine : str
        ``pandas``, ``polars``, ``pyarrow``, ``dask`` or ``pyspark``.
    source : str
        Where the log came from (a path, a table name, or the type passed in).
    queries : list of EngineQuery
        Every aggregate collected so far, with its size.
    collected : list
        The engine's own query objects that were collected (a Spark DataFrame's plan can be
        inspected with ``df.explain()``), in the order of ``queries``.
    """

    frame: nw.LazyFrame
    engine: str
    source: str
    queries: list[EngineQuery] = field(default_factory=list)
    collected: list[Any] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return list(self.schema)

    @property
    def schema(self) -> dict[str, Any]:
        """Column name to narwhals dtype (from the engine's schema: no data is read)."""
        if not hasattr(self, "_schema"):
            with quiet():
                self._schema = dict(self.frame.collect_schema())
        return self._schema

    def check_columns(self, names: Mapping[str, str | None]) -> None:
        """Raise :class:`LogColumnMissingError` for the first role whose column is missing."""
        from audit.errors import Problem, raise_problems, suggest

        columns = self.columns
        problems = []
        for role, name in names.items():
            if name is not None and name not in columns:
                problems.append(Problem(
                    LogColumnMissingError, f"{role} column {name!r}",
                    f"a column of the log ({', '.join(columns[:20])}"
                    f"{', ...' if len(columns) > 20 else ''})", "no such column",
                    "name an existing column." + suggest(name, columns)))
        clash = [c for c in columns if c.startswith(INTERNAL)]
        if clash:
            problems.append(Problem(
                UnsupportedTableError, f"column {clash[0]!r}",
                f"column names that do not start with {INTERNAL!r} (the audit's own)",
                "a clashing name", "rename the column"))
        raise_problems(problems)

    def collect(self, query: nw.LazyFrame, *, name: str, limit: int, fix: str) -> pd.DataFrame:
        """Run ``query`` in the engine and bring back at most ``limit`` rows as pandas.

        The engine computes ``limit + 1`` rows at most (``head``); more than ``limit`` raises
        :class:`CountsTableTooLargeError` with ``fix``, before anything bigger is transferred.
        """
        tick = time.perf_counter()
        limited = query.head(limit + 1)
        with quiet():
            if self.engine == "pyspark":
                out = limited.collect(backend="pyarrow")
            elif self.engine == "polars":
                out = limited.collect(engine="streaming")
            else:
                out = limited.collect()
            table = out.to_pandas()
        if len(table) > limit:
            raise CountsTableTooLargeError(
                f"the {name} aggregate", f"at most {limit:,} rows on the driver",
                f"more than {limit:,}", fix)
        self.queries.append(EngineQuery(name=name, rows=len(table), limit=limit,
                                        seconds=time.perf_counter() - tick))
        self.collected.append(limited.to_native())
        return table

    @property
    def rows_collected(self) -> int:
        return sum(q.rows for q in self.queries)


def open_log(table: Any, *, engine: EngineName | None = None, fmt: str | None = None,
             columns: Sequence[str] | None = None, spark: Any = None) -> PredictionLog:
    """Wrap a table (or read a path) as a :class:`PredictionLog`.

    Parameters
    ----------
    table : DataFrame, path or PredictionLog
        pandas / Polars (eager or lazy) / pyarrow tables, Dask and PySpark DataFrames are used
        where they are; a ``str`` or ``Path`` is read with ``engine`` (default Polars).
    engine : str, optional
        The engine reading a path; ignored for a frame (its own library is the engine).
    fmt : {"parquet", "csv"}, optional
        Format of a path (default from its suffix).
    columns : sequence of str, optional
        Columns to read from a path (pandas and pyarrow load only these).
    spark : SparkSession, optional
        Session reading a path with ``engine="pyspark"``.

    Returns
    -------
    PredictionLog

    Examples
    --------
    >>> log = open_log(pd.DataFrame({"y": [1, 0], "p": [0.8, 0.3]}))
    >>> log.engine, log.columns
    ('pandas', ['y', 'p'])
    """
    if isinstance(table, PredictionLog):
        return table
    source = type(table).__module__.split(".")[0] + "." + type(table).__name__
    if isinstance(table, (str, Path)):
        source = str(table)
        table = read_native(table, engine=engine or "polars", fmt=fmt, columns=columns,
                            spark=spark)
    with quiet():
        try:
            frame = nw.from_native(table)
        except TypeError:
            raise UnsupportedTableError(
                "table", "a pandas, Polars or pyarrow table, a Dask or PySpark DataFrame, or a "
                "path to parquet/CSV", type(table).__name__,
                "convert it to one of these, or pass its path") from None
        lazy = frame.lazy() if isinstance(frame, nw.DataFrame) else frame
    implementation = lazy.implementation.value
    name = "pyspark" if implementation.startswith("pyspark") else implementation
    return PredictionLog(frame=lazy, engine=name, source=source)
