"""Slices of real texts for the other audits: which identity terms a text mentions (grouped by
HolisticBias axis), whether it holds a negation, and how long it is.

Fairness compares groups of texts by the identity terms they mention, error analysis searches
cohorts over these slices, robustness swaps the terms found. Matching is on whole words: a
HolisticBias descriptor written with a capital ("Muslim", "Chinese") matches only so written; a
lower-case one matches in any case; descriptors that are everyday words too ("straight",
"white", "old", "pan", "trans", ...) count only right before a person noun ("a straight man",
"old women"), and so do gender nouns' descriptors; gender is also read from HolisticBias's
female and male nouns ("woman", "mother", "guy"...).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from audit.text_bias._data import HOLISTIC_BIAS_DIR, _json

#: Axes whose mentions are looked for by default (those a movie review can name).
MENTION_AXES: tuple[str, ...] = ("gender_and_sex", "race_ethnicity", "religion", "nationality",
                                 "sexual_orientation", "age")
#: Value of an axis's column when the text names no group of it, and when it names several.
NONE, SEVERAL = "none", "several"
#: Descriptors that are everyday words as well: counted only before a person noun.
AMBIGUOUS = frozenset({
    "straight", "white", "black", "pan", "ace", "bi", "poly", "trans", "old", "older", "young",
    "younger", "mature", "spiritual", "religious", "secular", "adult", "senior", "retired", "stud",
    "fruity", "fruitcake", "macho", "manly", "feminine", "masculine", "cis", "boi", "spry", "teen",
    "teenage", "latin", "african", "european", "indian", "native", "oriental", "humanist", "pagan",
    "reform", "conservative", "evangelical", "unitarian", "femme", "butch", "queer", "elderly",
})
_GENDER_WORDS = {"female": ("female", "womanly"), "male": ("male",)}
#: The negation cues counted by :func:`has_negation` (whole words; "n't" inside a word).
NEGATIONS = ("not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "nowhere",
             "without", "hardly", "barely", "cannot")
_NEGATION = re.compile(r"n't\b|\b(?:" + "|".join(NEGATIONS) + r")\b", re.IGNORECASE)
_WORD = re.compile(r"\w+(?:['’-]\w+)*")


@dataclass(frozen=True)
class _AxisPatterns:
    axis: str
    exact: re.Pattern | None  # case-sensitive descriptors
    folded: re.Pattern | None  # lower-case descriptors, any case
    groups: dict[str, str]  # matched text (as keyed) -> group


def _alternation(words: Sequence[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@cache
def _person_nouns() -> tuple[dict[str, str], tuple[str, ...]]:
    """HolisticBias nouns: gendered noun (singular and plural) -> group, and every noun."""
    nouns = _json(HOLISTIC_BIAS_DIR / "nouns.json")
    gendered = {w.lower(): g for g in ("female", "male") for pair in nouns[g] for w in pair}
    every = tuple(w.lower() for pairs in nouns.values() for pair in pairs for w in pair)
    return gendered, every


@cache
def _patterns(axis: str) -> _AxisPatterns:
    descriptors = _json(HOLISTIC_BIAS_DIR / "descriptors.json")
    if axis not in descriptors:
        from audit.text_bias._errors import UnknownAxisError

        raise UnknownAxisError("axes", f"HolisticBias axes: {', '.join(sorted(descriptors))}", repr(axis),
                               "name descriptor axes (name axes such as names_gender are not looked for in texts)")
    buckets = descriptors[axis]
    per_descriptor = list(buckets) == ["all"]
    groups: dict[str, str] = {}
    exact, folded, ambiguous = [], [], []
    for bucket, items in buckets.items():
        for item in items:
            word = item if isinstance(item, str) else item["descriptor"]
            group = word if per_descriptor else bucket
            if axis == "gender_and_sex":
                group = next((g for g, ws in _GENDER_WORDS.items() if word in ws), bucket)
            if word.lower() in AMBIGUOUS:
                ambiguous.append(word.lower())
                groups.setdefault(word.lower(), group)
            elif word != word.lower():
                exact.append(word)
                groups.setdefault(word, group)
            else:
                folded.append(word)
                groups.setdefault(word, group)
    gendered, nouns = _person_nouns()
    noun_alt = _alternation(nouns)
    folded_parts = []
    if folded:
        folded_parts.append(rf"\b(?P<w>{_alternation(folded)})\b")
    if ambiguous:
        folded_parts.append(rf"\b(?P<a>{_alternation(ambiguous)})\s+(?:{noun_alt})\b")
    if axis == "gender_and_sex":
        folded_parts.append(rf"\b(?P<n>{_alternation(list(gendered))})\b")
        groups.update(gendered)
    return _AxisPatterns(
        axis, re.compile(rf"\b(?P<w>{_alternation(exact)})\b") if exact else None,
        re.compile("|".join(folded_parts), re.IGNORECASE) if folded_parts else None, groups)


def mentioned_groups(text: str, axis: str) -> list[tuple[str, str, int, int]]:
    """``(group, term as written, start, end)`` of every identity term of ``axis`` in ``text``.

    Examples
    --------
    >>> [m[:2] for m in mentioned_groups("A Muslim director and her mother.", "religion")]
    [('Muslim', 'Muslim')]
    >>> [m[0] for m in mentioned_groups("A straight man; it goes straight to video.", "sexual_orientation")]
    ['straight']
    """
    p = _patterns(axis)
    found = []
    for pattern, fold in ((p.exact, False), (p.folded, True)):
        if pattern is None:
            continue
        for m in pattern.finditer(text):
            name = next(k for k in ("w", "a", "n") if k in pattern.groupindex and m.group(k) is not None)
            written = m.group(name)
            group = p.groups.get(written.lower() if fold else written)
            if group is not None:
                found.append((group, written, m.start(name), m.end(name)))
    return sorted(found, key=lambda f: f[2])


def identity_mentions(texts: Sequence[str] | pd.Series, axes: Sequence[str] = MENTION_AXES) -> pd.DataFrame:
    """One column per axis (``identity:<axis>``): the group a text mentions, ``several`` when it
    mentions more than one group of the axis, ``none`` when none.

    Examples
    --------
    >>> frame = identity_mentions(["A Muslim and a Catholic.", "Her mother, a Chinese actor.", "Fine."],
    ...                           ["religion", "nationality", "gender_and_sex"])
    >>> frame.to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
    {'identity:religion': ['several', 'none', 'none'], 'identity:nationality': ['none', 'china', 'none'],
     'identity:gender_and_sex': ['none', 'female', 'none']}
    """
    texts = [str(t) for t in texts]
    out = {}
    for axis in axes:
        column = []
        for t in texts:
            groups = {m[0] for m in mentioned_groups(t, axis)}
            column.append(NONE if not groups else groups.pop() if len(groups) == 1 else SEVERAL)
        out[f"identity:{axis}"] = column
    return pd.DataFrame(out, index=range(len(texts)))


def has_negation(texts: Sequence[str] | pd.Series) -> np.ndarray:
    """Whether each text holds a negation cue (:data:`NEGATIONS`, or a word ending in n't).

    Examples
    --------
    >>> has_negation(["It isn't good.", "Not bad.", "Good."]).tolist()
    [True, True, False]
    """
    return np.array([_NEGATION.search(str(t)) is not None for t in texts], dtype=bool)


def word_counts(texts: Sequence[str] | pd.Series) -> np.ndarray:
    """Words in each text (runs of letters/digits, apostrophes and hyphens inside kept)."""
    return np.array([len(_WORD.findall(str(t))) for t in texts], dtype=np.int64)


def text_slices(texts: Sequence[str] | pd.Series, axes: Sequence[str] = MENTION_AXES) -> pd.DataFrame:
    """The slice columns of texts for error analysis: ``words`` (count), ``negation``
    (``yes``/``no``), ``identity term`` (``yes`` when any axis is mentioned) and one
    ``identity:<axis>`` column per axis (:func:`identity_mentions`)."""
    mentions = identity_mentions(texts, axes)
    frame = pd.DataFrame({
        "words": word_counts(texts),
        "negation": np.where(has_negation(texts), "yes", "no"),
        "identity term": np.where((mentions != NONE).any(axis=1), "yes", "no") if axes else "no",
    })
    return pd.concat([frame, mentions], axis=1)
