"""What a prediction-log audit read: the log in place of a trained model.

A prediction log is a table of true labels, the model's scores or decisions and the sensitive
columns, read by a dataframe engine (pandas, Polars, pyarrow, Dask, Spark). Only small counts
tables reach the driver; ``queries`` lists each one with its size, so a reader can check that
nothing row-sized was collected.
"""

from __future__ import annotations

from pydantic import Field

from audit.result._base import schema_dataclass


@schema_dataclass
class EngineQuery:
    """One aggregate the engine computed and the driver collected.

    ``rows`` is the size of the collected counts table (never the log's rows); ``limit`` the
    most rows it was allowed to have.
    """

    name: str
    rows: int
    limit: int
    seconds: float


@schema_dataclass
class PredictionLogInfo:
    """The log audited: where it was read, which columns mean what, how it was aggregated.

    Attributes
    ----------
    engine : str
        ``pandas``, ``polars``, ``pyarrow``, ``dask`` or ``pyspark``.
    source : str
        A path, a table name or the type of the frame passed in.
    n_rows : int
    label, score, prediction : str
        Column names (``score`` or ``prediction`` is empty when not given).
    favourable_label : str
        The label value counted as the favourable outcome (1 in the metrics).
    threshold : float
        Decision threshold on the score (NaN when decisions were given).
    timestamp, window : str
        Timestamp column and window (``day``, ``week``, ``month``), empty without one.
    first_timestamp, last_timestamp : str
        ISO times of the log's first and last rows (empty without a timestamp).
    rows_collected : int
        Rows of every counts table brought to the driver, together.
    queries : tuple of EngineQuery
    """

    engine: str
    source: str
    n_rows: int
    label: str
    favourable_label: str
    score: str = ""
    prediction: str = ""
    threshold: float = float("nan")
    sensitive_features: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    quasi_identifiers: tuple[str, ...] = ()
    timestamp: str = ""
    window: str = ""
    first_timestamp: str = ""
    last_timestamp: str = ""
    rows_collected: int = 0
    queries: tuple[EngineQuery, ...] = ()
    notes: tuple[str, ...] = Field(default_factory=tuple)
