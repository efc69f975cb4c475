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


def float_platform() -> str:
    """The CPU vendor and torch's vectorised instruction set, e.g. ``AuthenticAMD-AVX512``.

    MKL and oneDNN pick their kernels (hence their rounding) by CPU vendor and instruction set:
    the census demo is bitwise reproducible run after run on one machine, but an Intel Xeon and
    an AMD EPYC host (both AVX512) train it to losses 1e-9 apart at epoch 1, which ten epochs
    amplify to accuracies 2e-4 apart. No environment setting removes this (``MKL_CBWR=COMPATIBLE``
    moves the numbers on both), so a bitwise pin holds for one platform only.
    """
    import platform

    import torch

    vendor = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("vendor_id"):
                    vendor = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{vendor}-{torch.backends.cpu.get_cpu_capability()}"


#: The census demo's headline numbers and how far another platform's floats may move them
#: (measured: 2e-4 on accuracy, 1e-3 on attack AUCs and sex disparities between an Intel and
#: an AMD host); the tolerances are 10-25x those.
HEADLINES = {
    ("quality", "accuracy"): 0.005, ("quality", "balanced_accuracy"): 0.005,
    ("quality", "roc_auc"): 0.005,
    ("sections", "privacy", "section", "membership", "attacks", "loss", "auc"): 0.01,
    ("sections", "privacy", "section", "membership", "attacks", "lira_offline", "auc"): 0.01,
    ("sections", "privacy", "section", "membership", "attacks", "lira_online", "auc"): 0.01,
}


def headline_differences(before: dict, after: dict) -> list[str]:
    """What moved beyond a float platform's rounding between two census results: a headline
    number outside its tolerance (:data:`HEADLINES`), a sex disparity more than 0.02 away, a
    section's status, or the set of sections."""
    out = []
    for path, tol in HEADLINES.items():
        a, b = before, after
        for key in path:
            a, b = a[key], b[key]
        if isinstance(a, dict):  # an attack's AUC is a value with its interval
            a, b = a["value"], b["value"]
        if not abs(a - b) <= tol:
            out.append(f"{'.'.join(path)}: {a} vs {b} (tolerance {tol})")
    if set(before["sections"]) != set(after["sections"]):
        out.append(f"sections {sorted(before['sections'])} vs {sorted(after['sections'])}")
    for name in set(before["sections"]) & set(after["sections"]):
        if before["sections"][name]["status"] != after["sections"][name]["status"]:
            out.append(f"sections.{name}.status: {before['sections'][name]['status']} vs "
                       f"{after['sections'][name]['status']}")
    sex = [(p, q) for p, q in zip(before["sections"]["fairness"]["section"]["partitions"],
                                  after["sections"]["fairness"]["section"]["partitions"])
           if p["name"] == "sex"]
    for p, q in sex:
        for x, y in zip(p["disparities"], q["disparities"]):
            if not abs(x["value"] - y["value"]) <= 0.02:
                out.append(f"fairness sex {x['name']}: {x['value']} vs {y['value']}")
    return out
