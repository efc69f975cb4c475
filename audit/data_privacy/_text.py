"""Personal data in free text: find it, count it, redact it into a new file.

Detectors (all offline):

- ``EMAIL``, ``IP_ADDRESS`` (IPv4/IPv6, checked with :mod:`ipaddress`) and ``STREET_ADDRESS``
  (house number, capitalised street name, street suffix such as Street/Ave/Rd): regular
  expressions;
- ``CREDIT_CARD``: 13-19 digits (spaces or dashes allowed) that pass the Luhn check;
- ``PHONE``: Google's libphonenumber (``phonenumbers``), numbers that are valid for their region
  (``phone_region`` for numbers written without ``+country``);
- ``PERSON``: a capitalised first name followed by a capitalised surname, both found in the US
  Census 1990 name-frequency lists that the ``names`` package ships (5,494 first names, 88,799
  surnames), or a title (Mr, Mrs, Ms, Dr, Prof) followed by a listed surname. A dictionary
  recogniser: it misses names outside the lists and can flag phrases made of name-like words
  ("May Day"). NER recognisers (presidio, spaCy) need language models fetched at run time, which
  this project does not allow.

Overlapping matches are resolved by detector priority (the order of :data:`PII_KINDS`).
"""

from __future__ import annotations

import functools
import ipaddress
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from audit.data_privacy._errors import FIX_NOT_TEXT, NotTextColumnError, PrivacyColumnMissingError
from audit.data_privacy._files import read_table, write_table
from audit.result import TextPiiFindings

PII_KINDS = ("EMAIL", "CREDIT_CARD", "IP_ADDRESS", "PHONE", "STREET_ADDRESS", "PERSON")

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_SUFFIXES = ("Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|"
             "Terrace|Circle|Cir|Highway|Hwy|Parkway|Pkwy|Square|Sq")
_ADDRESS = re.compile(
    rf"\b\d{{1,6}}[A-Za-z]?\s+(?:(?:[NSEW]\.?|North|South|East|West)\s+)?(?:[A-Z][a-z]+\s+){{1,4}}"
    rf"(?:{_SUFFIXES})\b(?:,?\s+(?:Apt|Suite|Unit|#)\.?\s*[A-Za-z0-9-]+)?")
_NAME_TOKEN = re.compile(r"\b[A-Z][a-z]+(?:['-][A-Z]?[a-z]+)?\b")
_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+$")
_BETWEEN = re.compile(r"\s+(?:[A-Z]\.\s+)?")  # a space, or a middle initial: "John F. Smith"


@dataclass(frozen=True)
class PiiSpan:
    """One finding: ``text[start:end]`` is personal data of ``kind``."""

    start: int
    end: int
    kind: str
    text: str


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum of a string of digits (credit card numbers pass it).

    Examples
    --------
    >>> luhn_valid("4111111111111111"), luhn_valid("4111111111111112")
    (True, False)
    """
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


@functools.lru_cache(maxsize=1)
def _name_lists() -> tuple[frozenset[str], frozenset[str]] | None:
    try:
        import names
    except ImportError:
        return None

    def read(key: str) -> set[str]:
        with open(names.FILES[key], encoding="ascii") as handle:
            return {line.split()[0] for line in handle if line.strip()}

    first = read("first:male") | read("first:female")
    return frozenset(first), frozenset(read("last"))


def detectors() -> tuple[str, ...]:
    """The kinds this installation can detect (``PERSON`` needs the ``names`` package)."""
    return tuple(k for k in PII_KINDS if k != "PERSON" or _name_lists() is not None)


def _cards(text: str) -> Iterable[tuple[int, int]]:
    for m in _CARD.finditer(text):
        digits = re.sub(r"[ -]", "", m.group())
        if 13 <= len(digits) <= 19 and len(set(digits)) > 1 and luhn_valid(digits):
            yield m.start(), m.end()


def _ips(text: str) -> Iterable[tuple[int, int]]:
    for pattern in (_IPV4, _IPV6):
        for m in pattern.finditer(text):
            try:
                ipaddress.ip_address(m.group())
            except ValueError:
                continue
            yield m.start(), m.end()


def _phones(text: str, region: str) -> Iterable[tuple[int, int]]:
    import phonenumbers

    for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
        yield m.start, m.end


def _persons(text: str) -> Iterable[tuple[int, int]]:
    lists = _name_lists()
    if lists is None:
        return
    first, last = lists
    tokens = list(_NAME_TOKEN.finditer(text))
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        adjacent = nxt is not None and _BETWEEN.fullmatch(text, tok.end(), nxt.start()) is not None
        title = _TITLE.search(text, 0, tok.start())
        if adjacent and tok.group().upper() in first and nxt.group().upper() in last:
            yield (title.start() if title else tok.start()), nxt.end()
            i += 2
            continue
        if title and tok.group().upper() in last:
            yield title.start(), tok.end()
        i += 1


def find_pii(text: str, *, phone_region: str = "US", kinds: Sequence[str] | None = None) -> list[PiiSpan]:
    """Personal data in ``text``, as non-overlapping spans in text order.

    Examples
    --------
    >>> [s.kind for s in find_pii("Mail jane.doe@example.com or call +1 415-555-0132")]
    ['EMAIL', 'PHONE']
    """
    wanted = PII_KINDS if kinds is None else tuple(kinds)
    found: dict[str, Iterable[tuple[int, int]]] = {
        "EMAIL": ((m.start(), m.end()) for m in _EMAIL.finditer(text)),
        "CREDIT_CARD": _cards(text),
        "IP_ADDRESS": _ips(text),
        "PHONE": _phones(text, phone_region),
        "STREET_ADDRESS": ((m.start(), m.end()) for m in _ADDRESS.finditer(text)),
        "PERSON": _persons(text),
    }
    taken: list[PiiSpan] = []
    for kind in PII_KINDS:
        if kind not in wanted:
            continue
        for start, end in found[kind]:
            if all(end <= s.start or start >= s.end for s in taken):
                taken.append(PiiSpan(start, end, kind, text[start:end]))
    return sorted(taken, key=lambda s: s.start)


def redact_text(text: str, spans: Sequence[PiiSpan] | None = None, *, phone_region: str = "US") -> str:
    """``text`` with each finding replaced by ``[KIND]``.

    Examples
    --------
    >>> redact_text("Card 4111 1111 1111 1111, thanks")
    'Card [CREDIT_CARD], thanks'
    """
    spans = find_pii(text, phone_region=phone_region) if spans is None else spans
    out, pos = [], 0
    for span in sorted(spans, key=lambda s: s.start):
        out += [text[pos:span.start], f"[{span.kind}]"]
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def check_text_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """The column as strings (missing values dropped), or a typed error if it is not text.

    Raises
    ------
    PrivacyColumnMissingError
        If ``column`` is not in ``frame``.
    NotTextColumnError
        If the column holds numbers, booleans, dates or other non-string values.
    """
    if column not in frame.columns:
        raise PrivacyColumnMissingError(f"text column {column!r}", f"one of {list(frame.columns)}",
                                        "no such column", "fix the name in text_columns")
    series = frame[column]
    values = series.dropna()
    bad = values[~values.map(lambda v: isinstance(v, str))]
    if not (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)) or len(bad):
        example = repr(bad.iloc[0]) if len(bad) else f"dtype {series.dtype}"
        raise NotTextColumnError(f"text column {column!r}", "free text (string values)",
                                 f"{series.dtype} values such as {example}", FIX_NOT_TEXT)
    return values


def scan_text_column(frame: pd.DataFrame, column: str, *, phone_region: str = "US",
                     n_examples: int = 5) -> TextPiiFindings:
    """Count personal data of each kind in a text column; examples are redacted snippets.

    Examples
    --------
    >>> frame = pd.DataFrame({"note": ["write to a@b.org", "nothing here"]})
    >>> scan_text_column(frame, "note").counts["EMAIL"]
    1
    """
    values = check_text_column(frame, column)
    counts = dict.fromkeys(PII_KINDS, 0)
    rows_with, examples = 0, []
    for text in values:
        spans = find_pii(text, phone_region=phone_region)
        if spans:
            rows_with += 1
            for s in spans:
                counts[s.kind] += 1
            if len(examples) < n_examples:
                snippet = redact_text(text, spans)
                examples.append(snippet if len(snippet) <= 160 else snippet[:157] + "...")
    return TextPiiFindings(column=column, n_rows=len(frame), rows_with_pii=rows_with, counts=counts,
                           examples=tuple(examples), detectors=detectors())


@dataclass(frozen=True)
class RedactionResult:
    """What :func:`redact_file` wrote: the new file and the findings per column."""

    output: Path
    findings: tuple[TextPiiFindings, ...]


def redact_file(source: str | os.PathLike[str], output: str | os.PathLike[str], columns: Sequence[str], *,
                overwrite: bool = False, phone_region: str = "US") -> RedactionResult:
    """Write a copy of a CSV/JSONL file with personal data in ``columns`` replaced by ``[KIND]``.

    The original file is never modified; the copy is written atomically.

    Raises
    ------
    RedactionPathError
        If ``output`` is the input file, or exists and ``overwrite`` is false.
    NotTextColumnError, PrivacyColumnMissingError
        For a named column that is not free text or not in the file.
    """
    from audit.data_privacy._files import check_output_path

    check_output_path(output, source=source, overwrite=overwrite)
    typed = read_table(source)
    findings = tuple(scan_text_column(typed, c, phone_region=phone_region) for c in columns)
    frame = read_table(source, as_text=True)
    for column in columns:
        frame[column] = frame[column].map(
            lambda v: redact_text(v, phone_region=phone_region) if isinstance(v, str) else v)
    return RedactionResult(write_table(frame, output, source=source, overwrite=overwrite), findings)
