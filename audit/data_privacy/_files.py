"""Reading a table to scan and writing new files (redacted or generalised): never in place.

CSV and JSON Lines (``.jsonl`` / ``.ndjson``) are read and written. Every write goes to a new
path, atomically (see :mod:`audit._io`); writing over the input is refused, and so is writing
over an existing file unless ``overwrite`` is set.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd

from audit._io import atomic_write_text
from audit.data_privacy._errors import FIX_OUTPUT_EXISTS, FIX_SAME_PATH, RedactionPathError
from audit.errors import ConfigError

_JSONL = (".jsonl", ".ndjson")


def _kind(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes if s.lower() not in (".gz",)]
    last = suffixes[-1] if suffixes else ""
    if last in _JSONL:
        return "jsonl"
    if last in (".csv", ".data", ".test", ".txt", ""):
        return "csv"
    raise ConfigError(str(path), "a .csv or .jsonl file", f"a file ending in {last!r}",
                      "convert the table to CSV or JSON Lines first")


def read_table(path: str | os.PathLike[str], *, as_text: bool = False) -> pd.DataFrame:
    """Read a CSV or JSONL file.

    ``as_text=True`` reads a CSV with every cell as the string in the file (missing cells as
    ``""``), so that a rewritten copy changes nothing but what was redacted.
    """
    from audit.data import read_table as read_data_file

    path = Path(path)
    if not path.is_file():
        raise ConfigError(str(path), "an existing CSV or JSONL file", "no such file", "check the path")
    _kind(path)  # a .csv or .jsonl name, or a typed error
    # strict UTF-8, delimiter detection, typed errors for empty or malformed files
    return read_data_file(path, as_text=as_text).reset_index(drop=True)


def check_output_path(output: str | os.PathLike[str], *, source: str | os.PathLike[str] | None = None,
                      overwrite: bool = False) -> Path:
    """Refuse an output that is the input file, or an existing file unless ``overwrite``.

    Raises
    ------
    RedactionPathError
    """
    out = Path(output)
    if out.suffix.lower() == ".gz":
        raise ConfigError(f"output path {str(out)!r}", "an uncompressed .csv or .jsonl file",
                          "a .gz name", "drop the .gz suffix (compress the file afterwards if needed)")
    if source is not None:
        src = Path(source)
        same = out.resolve() == src.resolve() or (
            out.exists() and src.exists() and os.path.samefile(out, src))
        if same:
            raise RedactionPathError(f"output path {str(out)!r}", "a path other than the input file",
                                     f"the input file itself ({str(src)!r})", FIX_SAME_PATH)
    if out.exists() and not overwrite:
        raise RedactionPathError(f"output path {str(out)!r}", "a path where no file exists yet",
                                 "an existing file", FIX_OUTPUT_EXISTS)
    if out.is_dir():
        raise RedactionPathError(f"output path {str(out)!r}", "a file path", "a folder",
                                 "name a file inside the folder")
    return out


def write_table(frame: pd.DataFrame, output: str | os.PathLike[str], *,
                source: str | os.PathLike[str] | None = None, overwrite: bool = False) -> Path:
    """Write ``frame`` to a new CSV or JSONL file atomically (format from the suffix)."""
    out = check_output_path(output, source=source, overwrite=overwrite)
    buffer = io.StringIO()
    if _kind(out) == "jsonl":
        frame.to_json(buffer, orient="records", lines=True, force_ascii=False)
    else:
        frame.to_csv(buffer, index=False)
    return atomic_write_text(out, buffer.getvalue())
