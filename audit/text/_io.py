"""Reading a user's CSV or JSON Lines file of texts: strict UTF-8, gzip allowed."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pandas as pd

from audit.errors import ConfigError, EmptyTableError
from audit.text._errors import TextEncodingError

#: File suffixes read as JSON Lines (one object per line); everything else is read as CSV.
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")


def read_text_table(path: str | Path) -> pd.DataFrame:
    """Read ``path`` (``.csv``, ``.jsonl``, optionally ``.gz``) into a frame of strings.

    The bytes are decoded as strict UTF-8 before parsing, so a file in another encoding is
    refused with the byte offset of the first bad byte instead of being read as mojibake.

    Raises
    ------
    ConfigError
        The file does not exist.
    TextEncodingError
        The file is not valid UTF-8.
    EmptyTableError
        The file holds no rows.

    Examples
    --------
    >>> df = read_text_table("sample_models/data/boolq/dev.jsonl.gz")
    >>> df.shape, list(df.columns)
    ((3270, 4), ['question', 'passage', 'answer', 'gender_mention'])
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(str(path), "an existing CSV or JSON Lines file", "no such file",
                          "check the path (relative paths are read from the config's folder)")
    raw = path.read_bytes()
    name = path.name.lower()
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
        name = name[:-3]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TextEncodingError(
            str(path), "a UTF-8 encoded file",
            f"byte 0x{raw[exc.start]:02x} at offset {exc.start}, which is not UTF-8",
            "re-encode the file as UTF-8 (e.g. iconv -f latin1 -t utf-8 in > out)") from None
    text = text.removeprefix("\ufeff")  # a UTF-8 byte-order mark is valid, not data
    if not text.strip():
        raise EmptyTableError(str(path), "at least one row", "an empty file", "check the file")
    if name.endswith(JSONL_SUFFIXES):
        frame = pd.read_json(io.StringIO(text), lines=True, dtype=False)
    else:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    if frame.empty:
        raise EmptyTableError(str(path), "at least one row", "0 rows", "check the file")
    return frame
