"""A copy of a result whose strings are safe to show: what reports, cards and the dashboard render.

Every string (run, column, group and feature names, labels, card text, notes), dict keys
included, goes through :func:`audit._safe_text.neutralize` (bidi controls and zero-width
characters made visible) and is cut when too long to show (names at
:data:`~audit._safe_text.SHOWN_NAME_LENGTH` characters, free text at
:data:`~audit._safe_text.SHOWN_TEXT_LENGTH`). The numbers are untouched, and the result itself is
never changed: ``load_result`` gives back the exact strings.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from audit._safe_text import SHOWN_NAME_LENGTH, SHOWN_TEXT_LENGTH, for_display, has_hidden_characters

#: Fields (and list fields) whose strings are names: cut short when shown.
NAME_FIELDS = frozenset({
    "run_name", "name", "group", "groups", "labels", "features", "feature", "sensitive_features",
    "sensitive_feature", "worst_group", "best_group", "positive_label", "target", "label",
    "column", "columns", "quasi_identifiers", "immutable", "excluded_groups", "sensitive",
    "fairness_feature", "target_label", "partition", "before", "after", "condition", "cohort"})

_ADAPTERS: dict[type, TypeAdapter] = {}


def _needs_work(value: Any) -> bool:
    if isinstance(value, str):
        return len(value) > SHOWN_NAME_LENGTH or has_hidden_characters(value)
    if isinstance(value, dict):
        return any(_needs_work(k) or _needs_work(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_needs_work(v) for v in value)
    return False


def _clean(value: str, field: str) -> str:
    return for_display(value, SHOWN_NAME_LENGTH if field in NAME_FIELDS else SHOWN_TEXT_LENGTH)


def display_copy(result: Any) -> Any:
    """``result`` with every string neutralised and bounded for display (same type, same numbers).

    Returns ``result`` itself when no string needs a change (the common case costs one walk).

    Examples
    --------
    >>> import pandas as pd
    >>> from audit import audit_predictions
    >>> log = pd.DataFrame({"y": [1, 0, 1, 0] * 50, "p": [.9, .4, .3, .2] * 50,
    ...                     "sex": list("FFMM") * 50})
    >>> result = audit_predictions(log, label="y", score="p", sensitive_features=["sex"])
    >>> import dataclasses
    >>> named = dataclasses.replace(result, metadata=dataclasses.replace(
    ...     result.metadata, run_name="census\\u202elmth.exe"))
    >>> shown = display_copy(named)
    >>> shown.metadata.run_name
    'census[U+202E]lmth.exe'
    """
    adapter = _ADAPTERS.setdefault(type(result), TypeAdapter(type(result)))
    document = adapter.dump_python(result, mode="json")
    if not _needs_work(document):
        return result
    return adapter.validate_python(_clean_document(document))


def _clean_document(document: Any, field: str = "") -> Any:
    """Every string of a dumped result cleaned; keys that can be field names (short ASCII
    identifiers) are kept, other keys (group names, metric labels) are cleaned like names."""
    if isinstance(document, dict):
        out: dict[str, Any] = {}
        for key, item in document.items():
            if isinstance(key, str) and key.isidentifier() and key.isascii() and len(key) <= 64:
                out[key] = _clean_document(item, key)
            else:
                shown = for_display(key, SHOWN_NAME_LENGTH) if isinstance(key, str) else key
                while shown in out:
                    shown = f"{shown}~"
                out[shown] = _clean_document(item, field)
        return out
    if isinstance(document, list):
        return [_clean_document(v, field) for v in document]
    if isinstance(document, str):
        return _clean(document, field)
    return document
