"""Identity terms and word sets shipped with the project: HolisticBias v1.1 and the WEAT sets.

Files live in ``sample_models/data/holistic_bias`` and ``sample_models/data/weat`` (licences
and sources beside them). Nothing is downloaded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from audit.text_bias._errors import EmptyDescriptorsError, TemplatePlaceholderError, UnknownAxisError

_DATA = Path(__file__).resolve().parents[2] / "sample_models" / "data"
HOLISTIC_BIAS_DIR = _DATA / "holistic_bias"
WEAT_DIR = _DATA / "weat"

#: Placeholders a template may use: a singular noun phrase ("a Deaf person", "Brad") or a
#: plural one ("Deaf people"); a template needs at least one.
PLACEHOLDERS = ("{noun_phrase}", "{plural_noun_phrase}")

#: Identity axes built from WEAT name sets: axis -> group -> WEAT set name.
NAME_AXES: dict[str, dict[str, str]] = {
    "names_race": {"european_american": "european_american_names_7",
                   "african_american": "african_american_names_7"},
    "names_gender": {"male": "male_names", "female": "female_names"},
    "names_age": {"young": "young_people_names", "old": "old_people_names"},
}


@dataclass(frozen=True)
class IdentityTerm:
    """One identity term: its group, the phrase that fills ``{noun_phrase}`` and (None for
    names) the one that fills ``{plural_noun_phrase}``; ``term`` is the word(s) that vary."""

    axis: str
    group: str
    term: str
    singular: str
    plural: str | None


@cache
def _json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def weat_word_sets() -> dict[str, tuple[str, ...]]:
    """The WEAT word sets by name (``career``, ``male_names``, ...), from the shipped file.

    Examples
    --------
    >>> weat_word_sets()["male_names"][:3]
    ('John', 'Paul', 'Mike')
    """
    return {k: tuple(v) for k, v in _json(WEAT_DIR / "weat.json").items()}


def holistic_bias_templates() -> tuple[str, ...]:
    """HolisticBias v1.1 sentence templates, in file order."""
    return tuple(_json(HOLISTIC_BIAS_DIR / "sentence_templates.json"))


def available_axes() -> tuple[str, ...]:
    """Axis names accepted by :func:`identity_terms`."""
    return tuple(_json(HOLISTIC_BIAS_DIR / "descriptors.json")) + tuple(NAME_AXES)


def _article(descriptor: str, explicit: str | None) -> str:
    if explicit:
        return explicit
    return "an" if descriptor[:1].lower() in "aeiou" else "a"


def _descriptor_terms(axis: str, buckets: Mapping, *, max_per_group: int,
                      include_dispreferred: bool) -> list[IdentityTerm]:
    # Axes stored as one bucket ("religion": {"all": [...]}) get one group per descriptor.
    per_descriptor = list(buckets) == ["all"]
    terms: list[IdentityTerm] = []
    for bucket, items in buckets.items():
        chosen = []
        for item in items:
            entry = item if isinstance(item, dict) else {"descriptor": item}
            if entry.get("preference") == "dispreferred" and not include_dispreferred:
                continue
            if entry.get("preference") == "polarizing" and not include_dispreferred:
                continue
            chosen.append(entry)
        if not per_descriptor:
            chosen = chosen[:max_per_group]
        for entry in chosen:
            word = entry["descriptor"]
            group = word if per_descriptor else bucket
            terms.append(IdentityTerm(axis, group, word, f"{_article(word, entry.get('article'))} {word} person",
                                      f"{word} people"))
    return terms


def identity_terms(axes: Sequence[str], *, max_per_group: int = 4, include_dispreferred: bool = False,
                   extra: Mapping[str, Mapping[str, Sequence[str]]] | None = None) -> list[IdentityTerm]:
    """Identity terms of the named axes, grouped (HolisticBias buckets; WEAT name sets).

    Parameters
    ----------
    axes : sequence of str
        HolisticBias axes (``race_ethnicity``, ``religion``...) and/or name axes
        (``names_race``, ``names_gender``, ``names_age``).
    max_per_group : int
        At most this many descriptors (or names) per group, in file order.
    include_dispreferred : bool
        Keep descriptors that HolisticBias marks dispreferred or polarizing.
    extra : mapping, optional
        User axes: ``{axis: {group: [descriptor, ...]}}``, used like HolisticBias descriptors.

    Raises
    ------
    UnknownAxisError
        An axis is neither shipped nor in ``extra``.
    EmptyDescriptorsError
        An axis or a group of ``extra`` has no terms.

    Examples
    --------
    >>> [t.singular for t in identity_terms(["names_gender"], max_per_group=1)]
    ['John', 'Amy']
    """
    extra = dict(extra or {})
    descriptors = _json(HOLISTIC_BIAS_DIR / "descriptors.json")
    known = set(descriptors) | set(NAME_AXES) | set(extra)
    if not axes:
        raise EmptyDescriptorsError("axes", "at least one axis", "an empty list",
                                    f"name axes from: {', '.join(sorted(known))}")
    unknown = [a for a in axes if a not in known]
    if unknown:
        from audit.errors import suggest

        raise UnknownAxisError("axes", f"axis names from: {', '.join(sorted(known))}",
                               ", ".join(map(repr, unknown)),
                               "use a listed axis, or define it in `extra`." + suggest(unknown[0], sorted(known)))
    sets = weat_word_sets()
    terms: list[IdentityTerm] = []
    for axis in axes:
        if axis in extra:
            groups = extra[axis]
            if not groups:
                raise EmptyDescriptorsError(f"extra[{axis!r}]", "at least one group of descriptors",
                                            "no groups", "give {group: [descriptor, ...]} for the axis")
            for group, words in groups.items():
                if not words:
                    raise EmptyDescriptorsError(f"extra[{axis!r}][{group!r}]", "at least one descriptor",
                                                "an empty list", "add descriptors or drop the group")
            axis_terms = _descriptor_terms(axis, {g: list(w) for g, w in groups.items()},
                                           max_per_group=max_per_group, include_dispreferred=True)
        elif axis in NAME_AXES:
            axis_terms = [IdentityTerm(axis, group, name, name, None)
                          for group, set_name in NAME_AXES[axis].items()
                          for name in sets[set_name][:max_per_group]]
        else:
            axis_terms = _descriptor_terms(axis, descriptors[axis], max_per_group=max_per_group,
                                           include_dispreferred=include_dispreferred)
        if len({t.group for t in axis_terms}) < 2:
            raise EmptyDescriptorsError(f"axes[{axis!r}]", "an axis with terms in at least two groups",
                                        f"{len(axis_terms)} terms in {len({t.group for t in axis_terms})} group(s)",
                                        "set include_dispreferred, raise max_per_group, or add groups")
        terms.extend(axis_terms)
    return terms


def check_templates(templates: Sequence[str]) -> None:
    """Raise :class:`TemplatePlaceholderError` for any template with no identity placeholder."""
    if not templates:
        raise TemplatePlaceholderError("templates", "at least one template", "an empty list",
                                       "pass templates such as \"I'm {noun_phrase}.\"")
    for i, template in enumerate(templates):
        if not any(p in template for p in PLACEHOLDERS):
            raise TemplatePlaceholderError(
                f"templates[{i}]", f"a template containing {' or '.join(PLACEHOLDERS)}",
                repr(template), "put {noun_phrase} where the identity term goes, e.g. \"I'm {noun_phrase}.\"")


def fill(template: str, term: IdentityTerm) -> str | None:
    """The template with the term in it; None when the template needs a plural the term lacks."""
    if "{plural_noun_phrase}" in template and term.plural is None:
        return None
    return template.replace("{plural_noun_phrase}", term.plural or "").replace("{noun_phrase}", term.singular)
