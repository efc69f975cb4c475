"""Comparing two results' numbers, ignoring what legitimately differs between runs."""

from __future__ import annotations

import json
import math
from typing import Any

#: Keys whose values are wall times or creation stamps, never reproducible, and the attribution
#: batch size, which audit.explain picks from the machine's free memory and timings.
VOLATILE_KEYS = frozenset({"created_at", "timings", "seconds", "rows_per_second",
                           "epoch/seconds", "total", "per_reference_model", "target_scoring",
                           "reference_training", "batch_size",
                           # a hash over the whole result: it moves with every timing
                           "content_sha256"})
#: float32 attributions summed in batches of another size differ in the last bits (seen: 1.5e-6
#: relative on a mean over 2,000 rows).
REL_TOL, ABS_TOL = 1e-5, 1e-9


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Paths where ``a`` and ``b`` (parsed JSON) differ, volatile keys skipped; keys only in
    ``b`` (fields added since ``a`` was written) are ignored."""
    out: list[str] = []
    if isinstance(a, dict) and isinstance(b, dict):
        for key, value in a.items():
            if key in VOLATILE_KEYS:
                continue
            if key not in b:
                out.append(f"{path}.{key}: missing")
            else:
                out.extend(differences(value, b[key], f"{path}.{key}"))
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items vs {len(b)}"]
        for i, (x, y) in enumerate(zip(a, b)):
            out.extend(differences(x, y, f"{path}[{i}]"))
    elif isinstance(a, float) and isinstance(b, float):
        if not (math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL) or (math.isnan(a) and math.isnan(b))):
            out.append(f"{path}: {a!r} != {b!r}")
    elif a != b:
        out.append(f"{path}: {json.dumps(a)[:60]} != {json.dumps(b)[:60]}")
    return out
