"""Reading results written by older schema versions.

Each older major version has one function that turns its raw JSON into the current layout;
:func:`migrate` applies them in order. Section names come from the audit registry (each audit's
``slug`` and its ``legacy_result_keys``), so this module names no concern.
"""

from __future__ import annotations

import math
from typing import Any

_CORE_KEYS = ("metadata", "quality", "history", "policy", "schema_version")


def _from_1(raw: dict[str, Any]) -> dict[str, Any]:
    """1.x -> 2.0: one top-level field per concern becomes ``sections[slug]``."""
    from audit.core import get_audit, registered_audits

    by_key = {}
    for audit in registered_audits():
        for key in (audit.slug, *audit.legacy_result_keys):
            by_key[key] = audit.slug
    timings = (raw.get("metadata") or {}).get("timings") or {}
    seed = (raw.get("metadata") or {}).get("seed", 0)
    out = {k: raw[k] for k in _CORE_KEYS if k in raw}
    sections = {}
    for key, value in raw.items():
        if key in _CORE_KEYS:
            continue
        if key not in by_key:
            out[key] = value  # left for validation to report as unknown
            continue
        if value is None:
            continue
        slug = by_key[key]
        section = get_audit(slug).upgrade_section(value, 1)
        sections[slug] = {"status": "ok", "seed": seed, "section": section,
                          "seconds": timings.get(f"{key}_seconds",
                                                 timings.get(f"{slug}_seconds", math.nan))}
    out["sections"] = sections
    out["schema_version"] = "2.0"
    return out


#: major version -> function migrating its raw JSON to the next major version.
MIGRATIONS = {1: _from_1}
#: major version -> the last minor version written with it (a newer minor is unknown).
LAST_MINOR = {1: 0}


def migrate(raw: dict[str, Any], major: int) -> dict[str, Any]:
    """Bring ``raw`` (written with schema major version ``major``) to the current layout."""
    while major in MIGRATIONS:
        raw = MIGRATIONS[major](raw)
        major += 1
    return raw
