"""Reading and writing ``result.json`` with clear errors for malformed or future files."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from audit._io import atomic_write_text
from audit.errors import ResultFormatError
from audit.result._checks import CHECK_FIELD, HASH_KEY, check_sense, content_hash, content_status
from audit.result._migrate import LAST_MINOR, MIGRATIONS, migrate
from audit.result._schema import SCHEMA_VERSION, WRITTEN_BY, AuditResult

_ADAPTER = TypeAdapter(AuditResult)


def result_to_json(result: AuditResult, *, indent: int | None = 1) -> str:
    """Serialise ``result`` to a JSON string (exact round trip with :func:`result_from_json`).

    The text carries a SHA-256 of its own content (``content_sha256``), so a later edit by hand
    is flagged when the file is loaded.
    """
    document = json.loads(_ADAPTER.dump_json(result))
    document.pop(CHECK_FIELD, None)
    document[HASH_KEY] = content_hash(document)
    return json.dumps(document, indent=indent, ensure_ascii=False)


def _check_version(version: object, source: str, writer: str) -> int:
    """The file's major version, when this reader can read it (migrating older majors)."""
    reader_major, reader_minor = map(int, SCHEMA_VERSION.split("."))
    try:
        major, minor = map(int, str(version).split("."))
    except ValueError:
        raise ResultFormatError(source, "a schema_version like '2.0'", repr(version),
                                "regenerate the result with `rai-audit run`") from None
    readable = ((major in MIGRATIONS and minor <= LAST_MINOR[major])
                or (major == reader_major and minor <= reader_minor))
    if not readable:
        newer = (major, minor) > (reader_major, reader_minor)
        by = WRITTEN_BY.get(major, writer or "a newer release")
        raise ResultFormatError(
            source, f"schema version {reader_major}.x up to {SCHEMA_VERSION} "
            f"(or an older major: {sorted(MIGRATIONS)})",
            f"schema version {version}" + (f", written by rai-audit {writer}" if writer else ""),
            f"upgrade rai-audit (to {by} or newer) to read this file" if newer
            else "regenerate the result with this version of rai-audit",
        )
    return major


def result_from_json(text: str | bytes, *, source: str = "result JSON") -> AuditResult:
    """Parse and validate a result.

    Raises
    ------
    ResultFormatError
        When the text is not JSON, is truncated, misses fields, or has another schema version.
    """
    try:
        raw = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ResultFormatError(source, "a complete JSON document written by rai-audit",
                                f"invalid JSON ({exc})",
                                "the file may be truncated: rerun the audit to rewrite it") from None
    if not isinstance(raw, dict) or "schema_version" not in raw:
        raise ResultFormatError(source, "a JSON object with a 'schema_version' key",
                                f"{type(raw).__name__} without schema_version",
                                "pass a result.json written by `rai-audit run`")
    metadata = raw.get("metadata")
    writer = str(metadata.get("rai_audit_version", "")) if isinstance(metadata, dict) else ""
    major = _check_version(raw["schema_version"], source, writer)
    status = content_status(raw)  # of the bytes as written, before any migration
    raw = migrate({k: v for k, v in raw.items() if k not in (HASH_KEY, CHECK_FIELD)}, major)
    try:
        result = _ADAPTER.validate_python({**raw, CHECK_FIELD: status})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"]))
        raise ResultFormatError(
            f"{source} at {where or 'top level'}", "a value matching the result schema",
            f"{first['msg']} ({exc.error_count()} problem(s) in all)",
            "regenerate the result with `rai-audit run`; do not edit result.json by hand",
        ) from None
    check_sense(result, source)  # right shape, but possible values? (ResultSenseError)
    return result


def save_result(result: AuditResult, path: str | os.PathLike[str]) -> Path:
    """Write ``result`` to ``path`` atomically."""
    return atomic_write_text(path, result_to_json(result))


def load_result(path: str | os.PathLike[str]) -> AuditResult:
    """Read a ``result.json``; raises :class:`ResultFormatError` with a fix on bad files."""
    path = Path(path)
    if not path.is_file():
        raise ResultFormatError(str(path), "an existing result.json file", "no such file",
                                "run `rai-audit run CONFIG` first, or check the path")
    return result_from_json(path.read_bytes(), source=str(path))
