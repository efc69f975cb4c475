"""Reading a data file into a table the way a careful person would, with typed errors.

pandas' readers guess quietly: a latin-1 file raises ``UnicodeDecodeError``, a file separated by
``;`` becomes one column (or a ``ParserError``), duplicate headers become ``age`` and ``age.1``,
an empty file raises ``EmptyDataError``, a truncated ``.gz`` raises ``EOFError`` (which the CLI
framework prints as ``Aborted.``). Here every one of those is a typed error naming the file, the
line and the fix:

- bytes are decoded in a stated encoding (strict UTF-8 unless told otherwise), and a bad byte is
  named with its offset and line;
- the CSV delimiter is detected (``csv.Sniffer`` over the first lines, among ``, ; tab |``)
  unless given; a given delimiter that leaves the header as one column while another would
  split it is refused naming the delimiter found;
- duplicate and over-long column names are refused before pandas renames them;
- CSV, JSON Lines and Parquet are read (``.gz`` for the first two).

The frame's index holds each row's **line number in the file** (named ``line``), so later
checks can say "line 7" instead of "row 5". :func:`column_type_problems` finds, per column,
numbers stored as text (``'39 years'``, ``'1,234'``, ``"39"`` in JSON), mixed types, columns with
no value at all and values beyond float32, each with the lines of the offending rows.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from audit._safe_text import MAX_NAME_LENGTH, check_length, for_terminal
from audit.errors import (
    ColumnTypeError,
    ConfigError,
    DataFileError,
    DuplicateColumnError,
    EmptyTableError,
    FileEncodingError,
    Problem,
)

#: Delimiters the sniffer may pick.
DELIMITERS = ",;\t|"
#: Suffixes read as JSON Lines and as Parquet; everything else is read as CSV.
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
PARQUET_SUFFIXES = (".parquet", ".pq")
#: Largest magnitude a feature may have: the model's inputs are float32.
FLOAT32_MAX = float(np.finfo(np.float32).max)
#: Text columns of numbers with more distinct values than this are judged to be numbers.
MANY_VALUES = 12
#: How many offending lines a message lists.
SHOWN_LINES = 5

_DELIMITER_NAMES = {",": "',' (comma)", ";": "';' (semicolon)", "\t": "tab", "|": "'|' (pipe)"}


def _name(delimiter: str) -> str:
    return _DELIMITER_NAMES.get(delimiter, repr(delimiter))


def _kind(path: Path) -> str:
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    return "jsonl" if name.endswith(JSONL_SUFFIXES) else "csv"


def read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when its name ends in ``.gz``.

    Raises
    ------
    DataFileError
        A truncated or corrupt gzip archive.
    """
    raw = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as exc:
            raise DataFileError(
                str(path), "a complete gzip archive",
                f"a truncated or corrupt one ({type(exc).__name__}: {exc})",
                "copy or download the file again (gzip -t FILE checks it)") from None
    return raw


def decode(raw: bytes, source: str, encoding: str = "utf-8") -> str:
    """``raw`` decoded strictly in ``encoding`` (a UTF-8 byte-order mark dropped).

    Raises
    ------
    FileEncodingError
        Naming the offset and line of the first byte that is not valid in ``encoding``.
    ConfigError
        ``encoding`` is not a known codec.
    """
    try:
        text = raw.decode(encoding)
    except LookupError:
        raise ConfigError("data.encoding", "a Python codec name such as utf-8, latin-1, cp1252",
                          repr(encoding), "fix the encoding name") from None
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise FileEncodingError(
            source, f"a file encoded as {encoding}",
            f"byte 0x{raw[exc.start]:02x} at offset {exc.start} (line {line}), which is not "
            f"valid {encoding}",
            "re-encode the file as UTF-8 (e.g. iconv -f latin1 -t utf-8 in > out), or state its "
            "encoding with data.encoding: latin-1") from None
    return text.removeprefix("\ufeff")


def sniff_delimiter(text: str) -> str | None:
    """The delimiter of a CSV text among :data:`DELIMITERS` (None when the sniffer cannot tell)."""
    sample = "\n".join(text[:65_536].splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return None


def _header(text: str, delimiter: str) -> list[str]:
    first = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    return [c.strip() for c in first]


def _check_header(columns: Sequence[object], source: str) -> None:
    names = [str(c) for c in columns]
    for name in names:
        check_length(name, f"{source}: column name", MAX_NAME_LENGTH)
    duplicates = duplicate_names(names)
    if duplicates:
        raise DuplicateColumnError(
            source, "unique column names",
            "duplicates " + ", ".join(f"{for_terminal(n)!r} (columns {', '.join(map(str, at))})"
                                      for n, at in duplicates.items()),
            "rename or drop the repeated columns (pandas would rename the second one "
            "'NAME.1' and use both)")


def duplicate_names(names: Iterable[object]) -> dict[str, list[int]]:
    """Names that appear more than once, with their 1-based positions."""
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(names, 1):
        positions.setdefault(str(name), []).append(i)
    return {n: at for n, at in positions.items() if len(at) > 1}


def _record_lines(text: str, delimiter: str, n_rows: int) -> list[int]:
    """The file line on which each data record starts (blank lines skipped, as pandas does)."""
    if '"' not in text:
        lines = [i for i, line in enumerate(text.split("\n"), 1) if line.strip("\r")]
        return lines[1:n_rows + 1]
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    starts, line = [], 1
    for record in reader:
        if record:
            starts.append(line)
        line = reader.line_num + 1
    return starts[1:n_rows + 1]


def read_table(path: str | Path, *, encoding: str = "utf-8", delimiter: str | None = None,
               thousands: str | None = None, as_text: bool = False) -> pd.DataFrame:
    """Read a CSV, JSON Lines or Parquet file (``.gz`` allowed for the first two).

    Parameters
    ----------
    path : path
    encoding : str
        Codec of the file's bytes, decoded strictly (default UTF-8).
    delimiter : str, optional
        CSV field separator; detected when omitted.
    thousands : str, optional
        Thousands separator inside numbers (``","`` reads ``1,234`` as 1234).
    as_text : bool
        Every CSV cell as the string in the file (missing cells as ``""``).

    Returns
    -------
    pandas.DataFrame
        Indexed by each row's line number in the file (index name ``line``; for Parquet, the
        row number from 1).

    Raises
    ------
    ConfigError, DataFileError, FileEncodingError, EmptyTableError, DuplicateColumnError,
    InputTooLongError

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "people.csv"
    >>> _ = path.write_text("name;income\\nAda;1,234\\nBo;56\\n")
    >>> frame = read_table(path, thousands=",")
    >>> frame.index.name, list(frame.index), frame["income"].tolist()
    ('line', [2, 3], [1234, 56])
    """
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise ConfigError(source, "an existing CSV, JSON Lines or Parquet file", "no such file",
                          "check the path (relative paths are read from the config's folder)")
    kind = _kind(path)
    if kind == "parquet":
        return _read_parquet(path)
    text = decode(read_bytes(path), source, encoding)
    if not text.strip():
        raise EmptyTableError(source, "a header and at least one row", "an empty file",
                              "check the file (it may not have been written completely)")
    if kind == "jsonl":
        return _read_jsonl(text, source)
    return _read_csv(text, source, delimiter=delimiter, thousands=thousands, as_text=as_text)


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise DataFileError(str(path), "a Parquet file", f"{type(exc).__name__}: "
                            f"{str(exc).splitlines()[0][:200]}",
                            "write it again (e.g. frame.to_parquet(path))") from None
    _check_header(table.column_names, str(path))
    frame = table.to_pandas()
    if frame.empty:
        raise EmptyTableError(str(path), "at least one row", "0 rows", "check the file")
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="line")
    return frame


def _read_jsonl(text: str, source: str) -> pd.DataFrame:
    try:
        frame = pd.read_json(io.StringIO(text), lines=True, dtype=False)
    except ValueError as exc:
        bad = _first_bad_json_line(text)
        raise DataFileError(source, "one JSON object per line (JSON Lines)",
                            f"{bad or str(exc)[:200]}",
                            "fix that line, or save the table as CSV") from None
    if frame.empty:
        raise EmptyTableError(source, "at least one row", "0 rows", "check the file")
    _check_header(frame.columns, source)
    lines = [i for i, line in enumerate(text.split("\n"), 1) if line.strip()]
    if len(lines) == len(frame):
        frame.index = pd.Index(lines, name="line")
    return frame


def _first_bad_json_line(text: str) -> str:
    import json

    for i, line in enumerate(text.split("\n"), 1):
        if line.strip():
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                return f"line {i} is not JSON ({exc.msg})"
            if not isinstance(value, dict):
                return f"line {i} holds a {type(value).__name__}, not an object"
    return ""


def _read_csv(text: str, source: str, *, delimiter: str | None, thousands: str | None,
              as_text: bool) -> pd.DataFrame:
    found = sniff_delimiter(text)
    if delimiter is None:
        delimiter = found or ","
    elif found is not None and found != delimiter and len(_header(text, delimiter)) == 1 and len(
            _header(text, found)) > 1:
        raise DataFileError(
            source, f"fields separated by {_name(delimiter)}",
            f"a header that is one column with {_name(delimiter)} but "
            f"{len(_header(text, found))} columns with {_name(found)}",
            f"set data.delimiter to {found!r} (or leave it out: it is detected)")
    _check_header(_header(text, delimiter), source)
    options = dict(sep=delimiter, thousands=thousands, skipinitialspace=True)
    if as_text:
        options.update(dtype=str, keep_default_na=False)
    try:
        frame = pd.read_csv(io.StringIO(text), **options)
    except pd.errors.ParserError as exc:
        detail = str(exc).strip().splitlines()[-1][:200]
        raise DataFileError(
            source, f"the same number of {_name(delimiter)}-separated fields on every line",
            f"{detail}",
            "quote fields that contain the delimiter, or fix that line "
            f"(delimiter {'detected' if found == delimiter else 'used'}: {_name(delimiter)})"
        ) from None
    except pd.errors.EmptyDataError:
        raise EmptyTableError(source, "a header and at least one row", "no columns",
                              "check the file") from None
    if frame.empty:
        raise EmptyTableError(source, "at least one row under the header", "0 rows",
                              "check the file (only a header?)")
    frame.columns = [c.strip() if isinstance(c, str) else c for c in frame.columns]
    lines = _record_lines(text, delimiter, len(frame))
    if len(lines) == len(frame):
        frame.index = pd.Index(lines, name="line")
    return frame


# ---- per-column type checks -------------------------------------------------------------------

_NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")
_THOUSANDS = re.compile(r"^\s*[-+]?\d{1,3}([,. '\u00a0]\d{3})+([.,]\d+)?\s*$")
_WITH_UNIT = re.compile(r"^\s*[-+]?\d+([.,]\d+)?\s*[^\W\d_][\w .%/-]*$")


def where_rows(index: pd.Index, positions: np.ndarray) -> str:
    """``"lines 3, 7"`` (or ``"rows ..."`` for a frame not read from a file) of ``positions``."""
    labels = [index[i] for i in positions[:SHOWN_LINES]]
    word = "line" if index.name == "line" else "row"
    more = f" and {len(positions) - SHOWN_LINES:,} more" if len(positions) > SHOWN_LINES else ""
    shown = ", ".join(str(x) for x in labels)
    return f"{word}{'s' if len(positions) > 1 else ''} {shown}{more}"


def _examples(column: pd.Series, positions: np.ndarray) -> str:
    values = [for_terminal(str(column.iloc[i]))[:40] for i in positions[:3]]
    return ", ".join(repr(v) for v in values)


def column_type_problems(frame: pd.DataFrame, *, numeric: Sequence[str] = (),
                         inferred: Sequence[str] = (), table_name: str = "table") -> list[Problem]:
    """Type problems of the feature columns of ``frame``.

    Parameters
    ----------
    numeric : sequence of str
        Columns that must hold numbers (given as numeric, or inferred so).
    inferred : sequence of str
        Columns whose kind was inferred from the data: text that looks like numbers there
        (``'1,234'``, ``'39 years'``, ``"39"``, numbers mixed with words) is a problem, since it
        would silently become one category per value. Columns the user listed as categorical
        are never judged this way.

    Returns
    -------
    list of Problem
        :class:`~audit.errors.ColumnTypeError` problems, each with the offending lines.
    """
    problems: list[Problem] = []
    for name in dict.fromkeys([*numeric, *inferred]):
        if name not in frame.columns:
            continue
        column = frame[name]
        where = f"{table_name}[{for_terminal(str(name))!r}]"
        present = column.notna().to_numpy()
        if not present.any():
            problems.append(Problem(
                ColumnTypeError, where, "a column with values", f"no value in any of its "
                f"{len(column):,} rows", "drop the column (data.drop_columns) or fill it"))
            continue
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            problems.extend(_range_problems(column, where))
            continue
        if name in numeric and name not in inferred:
            values = pd.to_numeric(column, errors="coerce")
            bad = np.flatnonzero(present & values.isna().to_numpy())
            problems.append(Problem(
                ColumnTypeError, where, "numbers (the column is listed under data.numeric)",
                f"text such as {_examples(column, bad)} at {where_rows(frame.index, bad)}",
                "clean those values, or list the column under data.categorical"))
            continue
        problem = _text_number_problem(column, present, where, frame.index)
        if problem is not None:
            problems.append(problem)
    return problems


def _range_problems(column: pd.Series, where: str) -> list[Problem]:
    values = column.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        big = np.flatnonzero(np.isfinite(values) & (np.abs(values) > FLOAT32_MAX))
    if len(big) == 0:
        return []
    return [Problem(
        ColumnTypeError, where, f"values within float32's range (|x| <= {FLOAT32_MAX:.3g}), the "
        "model's input type", f"{_examples(column, big)} at {where_rows(column.index, big)}",
        "rescale the column (e.g. log10 or divide by a unit) or drop those rows")]


def _text_number_problem(column: pd.Series, present: np.ndarray, where: str,
                         index: pd.Index) -> Problem | None:
    """Text that is really numbers: all numbers as strings, thousands separators, units, or
    numbers mixed with words (or with other Python types)."""
    values = column[present]
    text = values.map(lambda v: v if isinstance(v, str) else repr(v) if not isinstance(
        v, (int, float, np.integer, np.floating)) or isinstance(v, bool) else str(v))
    is_number = text.str.match(_NUMBER).to_numpy()
    is_thousands = text.str.match(_THOUSANDS).to_numpy() & ~is_number
    with_unit = text.str.match(_WITH_UNIT).to_numpy() & ~is_number & ~is_thousands
    positions = np.flatnonzero(present)
    mixed_types = values.map(type).nunique() > 1
    many = values.nunique() > MANY_VALUES  # a few codes ('1st', '2nd') are fair labels
    if is_number.all() and (many or mixed_types):
        kind = "numbers of several Python types" if mixed_types else "numbers stored as text"
        return Problem(ColumnTypeError, where, "numbers stored as numbers, or a declared category",
                       f"{kind} ({_examples(values, np.arange(min(3, len(values))))})",
                       "store them as numbers (JSON: 39, not \"39\"), or list the column under "
                       "data.categorical if the values are labels")
    if (is_number | is_thousands).all() and is_thousands.any():
        bad = positions[np.flatnonzero(is_thousands)]
        return Problem(ColumnTypeError, where, "numbers without thousands separators",
                       f"{_examples(column, bad)} at {where_rows(index, bad)}",
                       "set data.thousands: ',' (the separator used), or remove the separators")
    if (is_number | is_thousands | with_unit).all() and with_unit.any() and many:
        bad = positions[np.flatnonzero(with_unit)]
        return Problem(ColumnTypeError, where, "plain numbers",
                       f"numbers with a unit or words, such as {_examples(column, bad)} at "
                       f"{where_rows(index, bad)}",
                       "strip the unit (e.g. '39 years' -> 39), or list the column under "
                       "data.categorical if the values are labels")
    if mixed_types:
        types = values.map(lambda v: type(v).__name__)
        minority = types.value_counts().index[-1]
        bad = positions[np.flatnonzero((types == minority).to_numpy())]
        return Problem(ColumnTypeError, where, "one type per column",
                       f"values of types {sorted(types.unique())}: {minority} such as "
                       f"{_examples(column, bad)} at {where_rows(index, bad)}",
                       "convert the column to one type (e.g. df[col].astype(str) for labels)")
    numeric_share = float((is_number | is_thousands).mean())
    if 0.5 <= numeric_share < 1.0:
        bad = positions[np.flatnonzero(~(is_number | is_thousands))]
        return Problem(ColumnTypeError, where, "one type per column",
                       f"mostly numbers ({numeric_share:.0%}) mixed with other values such as "
                       f"{_examples(column, bad)} at {where_rows(index, bad)}",
                       "clean those values (or make them missing and impute them), or list the "
                       "column under data.categorical")
    return None
