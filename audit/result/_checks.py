"""Sense checks of a result, beyond its shape: impossible numbers are refused on load.

The schema says a field is a float; these checks say which floats are possible. They walk any
result (dataclasses, dicts, tuples) and judge each number by its field's name, so a section
added later is checked without an edit here:

- **proportions** (``accuracy``, ``precision``, ``recall``, ``f1``, ``*_rate``, ``*share*``,
  ``*auc``, ``tpr*``, ``fpr*``, ``probability``, ``confidence``, a
  ``value`` whose metric name is one of these): in [0, 1];
- **differences** of proportions (``*_difference``): in [-1, 1];
- **counts** (``n``, ``n_*``, ``count(s)``, ``size(s)``, ``tn``/``fp``/``fn``/``tp``,
  ``*_rows``, ``flips``, ...): non-negative integers, and a confusion matrix adds up to its
  ``n``;
- **privacy**: ``epsilon*`` and ``noise_multiplier`` non-negative, ``delta`` in [0, 1];
- **intervals**: a ``level`` in (0, 1), ``low <= high``, and ``low <= estimate <= high`` for the estimate beside it
  (``x`` and ``x_interval``; ``value`` or ``rate`` and ``interval``/``wilson``). Percentile
  bootstrap intervals are exempt from containing the estimate: a bootstrap of a maximum (an
  equalized-odds difference) can lie wholly above it.

NaN is always allowed (an undefined metric carries its reason elsewhere); so are infinities
where a quantity can be unbounded (an epsilon without noise).

A content hash (SHA-256 of the canonical JSON) is written into every result, so a file edited by
hand after rai-audit wrote it is *flagged* on load (``AuditResult.content_check == "edited"``),
not refused; impossible values are refused with :class:`~audit.errors.ResultSenseError`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from typing import Any

from audit.errors import Problem, ResultSenseError

#: Key of the content hash in a result.json.
HASH_KEY = "content_sha256"
#: Field of :class:`~audit.result.AuditResult` saying what the hash check found; never hashed.
CHECK_FIELD = "content_check"

_PROPORTION = re.compile(
    r"^(accuracy|balanced_accuracy|precision|recall|f1|roc_auc|auc|probability|confidence|"
    r"validity|agreement(_.*)?|base_rate.*|positive_rate|sample_rate)$"
    r"|(^|_)rate($|_)|share|(^|_)auc($|_)|^tpr|^fpr|_accuracy$|_probability$|_precision$")
_NOT_PROPORTION = re.compile(r"learning_rate|rows_per_second|_ratio$")
_DIFFERENCE = re.compile(r"_difference$")
_COUNT = re.compile(
    r"^(n|k|tn|fp|fn|tp|count|counts|size|sizes|flips|to_positive|to_negative|distinct|"
    r"true_positives|false_positives|epochs|epochs_completed)$|^n_|_count$|_rows$")
_NON_NEGATIVE = re.compile(r"^epsilon|^epsilons$|^noise_multiplier$|_seconds$|^seconds$")
_BOOTSTRAP = re.compile(r"bootstrap|percentile", re.IGNORECASE)
_TOLERANCE = 1e-9


def _fields(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def _is_interval(value: Any) -> bool:
    return dataclasses.is_dataclass(value) and {f.name for f in dataclasses.fields(value)} >= {
        "low", "high"}


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_number(name: str, value: float, path: str, problems: list[Problem]) -> None:
    if isinstance(value, float) and math.isnan(value):
        return
    if _COUNT.search(name):
        if isinstance(value, float) and not value.is_integer():
            problems.append(_problem(path, "a whole number (a count)", repr(value)))
        elif value < 0:
            problems.append(_problem(path, "a count >= 0", repr(value)))
        return
    if _PROPORTION.search(name) and not _NOT_PROPORTION.search(name):
        if not -_TOLERANCE <= value <= 1 + _TOLERANCE:
            problems.append(_problem(path, "a proportion in [0, 1]", repr(value)))
    elif _DIFFERENCE.search(name):
        if not -1 - _TOLERANCE <= value <= 1 + _TOLERANCE:
            problems.append(_problem(path, "a difference of proportions in [-1, 1]", repr(value)))
    elif name == "delta":
        if not 0 <= value <= 1:
            problems.append(_problem(path, "a delta in [0, 1]", repr(value)))
    elif _NON_NEGATIVE.search(name) and value < 0:
        problems.append(_problem(path, "a value >= 0", repr(value)))


def _problem(path: str, expected: str, got: str) -> Problem:
    return Problem(ResultSenseError, path, expected, got,
                   "regenerate the result with `rai-audit run`; do not edit result.json by hand")


def _estimate_for(field: str, siblings: dict[str, Any]) -> tuple[str, Any] | None:
    """The sibling whose value ``field`` (an interval) is the interval of, if any."""
    if field in ("interval", "wilson"):
        candidates = ["value", "rate", "estimate", "mean"]
    elif field.endswith("_interval"):
        candidates = [field[: -len("_interval")]]
    elif field.endswith("_wilson"):
        base = field[: -len("_wilson")]
        candidates = [base, f"{base}_value"]
    else:
        return None
    for name in candidates:
        if name in siblings and _number(siblings[name]):
            return name, siblings[name]
    return None


def _check_interval(interval: Any, estimate: float | None, path: str, est_path: str,
                    problems: list[Problem]) -> None:
    low, high = float(interval.low), float(interval.high)
    level = getattr(interval, "level", None)
    if _number(level) and not 0 < level < 1:
        problems.append(_problem(f"{path}.level", "a confidence level in (0, 1)", repr(level)))
    if math.isnan(low) or math.isnan(high):
        return
    if low > high + _TOLERANCE:
        problems.append(_problem(path, "an interval with low <= high", f"[{low!r}, {high!r}]"))
        return
    method = str(getattr(interval, "method", ""))
    if estimate is None or math.isnan(estimate) or _BOOTSTRAP.search(method):
        return
    scale = max(1.0, abs(low), abs(high))
    if not low - _TOLERANCE * scale <= estimate <= high + _TOLERANCE * scale:
        problems.append(_problem(path, f"an interval containing its estimate {est_path} = "
                                       f"{estimate!r}", f"[{low!r}, {high!r}]"))


def _walk(obj: Any, name: str, path: str, problems: list[Problem]) -> None:
    if dataclasses.is_dataclass(obj):
        fields = _fields(obj)
        context = name
        for field, value in fields.items():
            shown = f"{path}.{field}" if path else field
            # a value inherits the metric name of its container (a dict key or its `name`)
            inner = context if field in ("value", "estimate") and context else field
            if field == "value" and isinstance(fields.get("name"), str):
                inner = fields["name"]
            if _is_interval(value):
                estimate = _estimate_for(field, fields)
                _check_interval(value, None if estimate is None else float(estimate[1]), shown,
                                f"{path}.{estimate[0]}" if estimate else "", problems)
                _walk(value, field, shown, problems)
            elif field.endswith("_intervals") and isinstance(value, dict):
                base = fields.get(field[: -len("_intervals")])
                for key, interval in value.items():
                    point = base.get(key) if isinstance(base, dict) else None
                    if _is_interval(interval):
                        _check_interval(interval, point if _number(point) else None,
                                        f"{shown}[{key!r}]",
                                        f"{path}.{field[:-len('_intervals')]}[{key!r}]", problems)
            else:
                _walk(value, inner, shown, problems)
        _check_confusion(fields, path, problems)
    elif isinstance(obj, dict):
        for key, value in obj.items():
            # values of a dict keyed by metric name take the key as their name; others the field's
            key_name = key if isinstance(key, str) and (
                _PROPORTION.search(key) or _COUNT.search(key) or _DIFFERENCE.search(key)) else name
            _walk(value, key_name, f"{path}[{key!r}]", problems)
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            _walk(value, name, f"{path}[{i}]", problems)
    elif _number(obj):
        _check_number(name, obj, path, problems)


def _check_confusion(fields: dict[str, Any], path: str, problems: list[Problem]) -> None:
    """A confusion matrix (a ``confusion`` child with tn/fp/fn/tp) adds up to ``n``."""
    confusion, n = fields.get("confusion"), fields.get("n")
    if not (dataclasses.is_dataclass(confusion) and isinstance(n, int)):
        return
    cells = _fields(confusion)
    if not {"tn", "fp", "fn", "tp"} <= set(cells):
        return
    total = sum(int(cells[k]) for k in ("tn", "fp", "fn", "tp"))
    if total != n:
        problems.append(_problem(f"{path}.confusion", f"tn + fp + fn + tp = n = {n}",
                                 f"a sum of {total}"))


def _check_group_sizes(obj: Any, path: str, problems: list[Problem]) -> None:
    """Each fairness group's confusion cells add up to its size (groups hold tuples)."""
    if dataclasses.is_dataclass(obj):
        fields = _fields(obj)
        size, confusion = fields.get("size"), fields.get("confusion")
        if isinstance(size, int) and isinstance(confusion, tuple) and len(confusion) == 4 and all(
                isinstance(c, int) for c in confusion) and sum(confusion) != size:
            problems.append(_problem(f"{path}.confusion", f"cells adding up to size = {size}",
                                     f"{list(confusion)} (sum {sum(confusion)})"))
        for field, value in fields.items():
            _check_group_sizes(value, f"{path}.{field}" if path else field, problems)
    elif isinstance(obj, dict):
        for key, value in obj.items():
            _check_group_sizes(value, f"{path}[{key!r}]", problems)
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            _check_group_sizes(value, f"{path}[{i}]", problems)


def find_sense_problems(result: Any) -> list[Problem]:
    """Every impossible value in ``result`` (an empty list when it makes sense).

    Examples
    --------
    >>> import pandas as pd
    >>> from audit import audit_predictions
    >>> log = pd.DataFrame({"y": [1, 0, 1, 0] * 50, "p": [.9, .4, .3, .2] * 50,
    ...                     "sex": list("FFMM") * 50})
    >>> result = audit_predictions(log, label="y", score="p", sensitive_features=["sex"])
    >>> find_sense_problems(result)
    []
    """
    problems: list[Problem] = []
    _walk(result, "", "", problems)
    _check_group_sizes(result, "", problems)
    return problems


def check_sense(result: Any, source: str = "result") -> None:
    """Raise :class:`~audit.errors.ResultSenseError` listing every impossible value.

    Each problem names the field path (``quality.accuracy``) prefixed by ``source``.
    """
    problems = find_sense_problems(result)
    if problems:
        named = [dataclasses.replace(p, where=f"{source} at {p.where}") for p in problems]
        from audit.errors import raise_problems

        raise_problems(named[:20] if len(named) > 20 else named)


def content_hash(document: dict[str, Any]) -> str:
    """SHA-256 of ``document`` without its hash and check fields, as canonical JSON."""
    body = {k: v for k, v in document.items() if k not in (HASH_KEY, CHECK_FIELD)}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           allow_nan=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def content_status(document: dict[str, Any]) -> str:
    """``"verified"`` when the stored hash matches, ``"edited"`` when it does not, ``"unsigned"``
    when the file has none (written before hashes, or by hand)."""
    stored = document.get(HASH_KEY)
    if not isinstance(stored, str) or not stored:
        return "unsigned"
    return "verified" if stored == content_hash(document) else "edited"
