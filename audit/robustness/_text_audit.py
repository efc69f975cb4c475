"""Robustness of a text classifier on its own test texts: identity-term swaps and typos.

Identity swaps: every identity term found in a test text (:func:`audit.text_bias.mentioned_groups`)
is replaced by a term of each other group of its axis (HolisticBias's first descriptor of the
group; gender nouns by their counterpart, "mother" -> "father"), one counterfactual text per
(text, other group), and the decisions compared. Typos: each word of four letters or more is
hit with probability ``rate`` by one keyboard slip (two inner letters swapped, one dropped, one
doubled, or one replaced by a neighbouring key), seeded; the flip rate and the accuracy before
and after say how much the decisions hang on exact spelling.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cache
from typing import Any

import numpy as np

from audit.result import CounterfactualFeature, FlipRate, RobustnessSection, TypoStability
from audit.robustness._config import RobustnessAuditConfig
from audit.robustness._flips import checked_scores, flip_rate
from audit.robustness._threshold import threshold_sensitivity

TextPredict = Callable[[list[str], list[str] | None], np.ndarray]

#: Gender nouns and descriptors swapped for their counterpart (either direction).
GENDER_PAIRS: tuple[tuple[str, str], ...] = (
    ("woman", "man"), ("women", "men"), ("girl", "boy"), ("girls", "boys"), ("mother", "father"),
    ("mothers", "fathers"), ("mom", "dad"), ("moms", "dads"), ("daughter", "son"), ("daughters", "sons"),
    ("wife", "husband"), ("wives", "husbands"), ("sister", "brother"), ("sisters", "brothers"),
    ("grandmother", "grandfather"), ("grandma", "grandpa"), ("lady", "gentleman"), ("ladies", "gentlemen"),
    ("gal", "guy"), ("gals", "guys"), ("female", "male"), ("sista", "bro"),
)
_KEYBOARD = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_TYPO_WORD = re.compile(r"[A-Za-z]{4,}")


@cache
def _neighbours() -> dict[str, str]:
    pos = {c: (r, i) for r, row in enumerate(_KEYBOARD) for i, c in enumerate(row)}
    return {c: "".join(d for d, (r2, i2) in pos.items() if d != c and abs(r2 - r) <= 1 and abs(i2 - i) <= 1)
            for c, (r, i) in pos.items()}


def add_typos(text: str, rate: float, rng: np.random.Generator) -> tuple[str, int]:
    """``text`` with each word of 4+ letters slipped with probability ``rate``; and how many.

    Examples
    --------
    >>> add_typos("a truly wonderful film", 1.0, np.random.default_rng(0))[1]
    3
    """
    hits = 0

    def slip(m: re.Match) -> str:
        nonlocal hits
        w = m.group(0)
        if rng.random() >= rate:
            return w
        hits += 1
        kind, i = int(rng.integers(4)), int(rng.integers(1, len(w) - 1))
        if kind == 0:  # swap two inner letters
            j = min(i + 1, len(w) - 2) if i < len(w) - 2 else i - 1
            a, b = sorted((i, j))
            return w[:a] + w[b] + w[a] + w[b + 1:]
        if kind == 1:
            return w[:i] + w[i + 1:]
        if kind == 2:
            return w[:i] + w[i] + w[i:]
        near = _neighbours().get(w[i].lower(), "") or w[i]
        c = near[int(rng.integers(len(near)))]
        return w[:i] + (c.upper() if w[i].isupper() else c) + w[i + 1:]

    return _TYPO_WORD.sub(slip, text), hits


@cache
def _representatives(axis: str) -> dict[str, str]:
    """One term per group of ``axis``: HolisticBias's first preferred descriptor."""
    from audit.text_bias import identity_terms

    out: dict[str, str] = {}
    for t in identity_terms([axis], max_per_group=1):
        out.setdefault(t.group, t.term)
    return out


def _swap_gender(word: str) -> str | None:
    low = word.lower()
    for a, b in GENDER_PAIRS:
        other = b if low == a else a if low == b else None
        if other is not None:
            return other.capitalize() if word[:1].isupper() else other
    return None


def _with_article(text: str, start: int, new: str) -> tuple[str, int]:
    """Fix "a"/"an" right before position ``start`` for the new word."""
    m = re.search(r"\b(a|an|A|An)\s+$", text[:start])
    if m is None:
        return text, start
    article = "an" if new[:1].lower() in "aeiou" else "a"
    article = article.capitalize() if m.group(1)[0].isupper() else article
    head = text[:m.start(1)] + article + text[m.end(1):start]
    return head + text[start:], len(head)


def identity_swaps(text: str, axis: str) -> list[tuple[str, str]]:
    """``(label, counterfactual text)`` for each other group of ``axis``: every term of the
    axis found in ``text`` replaced (a text naming several groups gets none: nothing single to
    swap).

    Examples
    --------
    >>> identity_swaps("Her mother, a Muslim.", "gender_and_sex")
    [('female -> male', 'Her father, a Muslim.')]
    """
    from audit.text_bias import mentioned_groups

    found = mentioned_groups(text, axis)
    groups = {f[0] for f in found}
    if len(groups) != 1:
        return []
    (group,) = groups
    if axis == "gender_and_sex":
        if group not in ("female", "male"):
            return []
        targets = {"male" if group == "female" else "female": None}
    else:
        targets = {g: term for g, term in _representatives(axis).items() if g != group}
    out = []
    for target, term in targets.items():
        new, shift = text, 0
        for _, written, start, end in found:
            repl = term if term is not None else _swap_gender(written)
            if repl is None:
                break
            s, e = start + shift, end + shift
            new = new[:s] + repl + new[e:]
            new2, s2 = _with_article(new, s, repl)
            shift += (s2 - s) + len(repl) - (end - start)
            new = new2
        else:
            out.append((f"{group} -> {target}", new))
    return out


def _swap_rows(texts: Sequence[str], pairs: Sequence[str] | None, axis: str
               ) -> tuple[list[int], list[str], list[str] | None, list[str]]:
    rows, new_texts, new_pairs, labels = [], [], [] if pairs is not None else None, []
    for i, t in enumerate(texts):
        for label, swapped in identity_swaps(t, axis):
            rows.append(i)
            new_texts.append(swapped)
            labels.append(label)
            if new_pairs is not None:
                new_pairs.append(pairs[i])
        if pairs is not None:
            for label, swapped in identity_swaps(pairs[i], axis):
                rows.append(i)
                new_texts.append(t)
                new_pairs.append(swapped)
                labels.append(label)
    return rows, new_texts, new_pairs, labels


def text_identity_swaps(predict: TextPredict, texts: Sequence[str], pairs: Sequence[str] | None,
                        base: np.ndarray, axes: Sequence[str], *, threshold: float = 0.5,
                        level: float = 0.95) -> tuple[CounterfactualFeature, ...]:
    """One :class:`CounterfactualFeature` per axis with at least one swappable test text."""
    out = []
    for axis in axes:
        rows, new_texts, new_pairs, labels = _swap_rows(texts, pairs, axis)
        if not rows:
            continue
        other = checked_scores(predict(new_texts, new_pairs), len(new_texts), "predict(texts)")
        b = base[np.asarray(rows)]
        by = tuple(flip_rate(lab, b, other, threshold, mask=np.asarray(labels) == lab, level=level)
                   for lab in dict.fromkeys(labels))
        out.append(CounterfactualFeature(
            feature=f"identity:{axis}", kind="categorical", model_input=True,
            change="each identity term found in a test text swapped for a term of another group",
            overall=flip_rate(f"identity:{axis}", b, other, threshold, level=level),
            by_change=tuple(sorted(by, key=lambda f: -f.n)[:12]),
            note=f"{len(set(rows))} test texts name exactly one {axis} group; "
                 f"{len(rows)} counterfactual texts"))
    return tuple(out)


def typo_stability(predict: TextPredict, texts: Sequence[str], pairs: Sequence[str] | None,
                   y: np.ndarray, base: np.ndarray, rates: Sequence[float], *, threshold: float = 0.5,
                   seed: int = 0, level: float = 0.95) -> tuple[TypoStability, ...]:
    """Decisions and accuracy with typos at each rate (seeded; the same slips for a pair text)."""
    out = []
    for j, rate in enumerate(rates):
        rng = np.random.default_rng([seed, j])
        typed = [add_typos(t, rate, rng) for t in texts]
        typed_pairs = [add_typos(p, rate, rng) for p in pairs] if pairs is not None else None
        words = sum(h for _, h in typed) + (sum(h for _, h in typed_pairs) if typed_pairs else 0)
        other = checked_scores(predict([t for t, _ in typed], [p for p, _ in typed_pairs] if typed_pairs else None),
                               len(texts), "predict(texts)")
        out.append(TypoStability(
            rate=float(rate), words_changed=int(words),
            overall=flip_rate(f"typos at {rate:.0%} of words", base, other, threshold, level=level),
            accuracy=float(np.mean((base >= threshold) == y)),
            accuracy_with_typos=float(np.mean((other >= threshold) == y))))
    return tuple(out)


def audit_text_robustness(predict: TextPredict, dataset: Any, config: RobustnessAuditConfig, seed: int = 0
                          ) -> RobustnessSection:
    """Identity swaps, typos and threshold sensitivity of a text classifier on the test split.

    Parameters
    ----------
    predict : callable
        ``predict(texts, text_pairs_or_None) -> P(positive)`` on raw strings
        (:func:`audit.text.text_predictor`).
    dataset : audit.text.TextDataset
    config : RobustnessAuditConfig
    seed : int

    Returns
    -------
    RobustnessSection
    """
    from audit.text_bias import MENTION_AXES, identity_mentions

    test = dataset.test
    level = config.confidence_level
    texts = test.texts[dataset.text].astype(str).tolist()
    pairs = test.texts[dataset.text_pair].astype(str).tolist() if dataset.text_pair else None
    timings: dict[str, float] = {}
    tick = time.perf_counter()
    base = checked_scores(predict(texts, pairs), len(texts), "predict(texts)")
    axes = MENTION_AXES if config.text_identity_axes is None else tuple(config.text_identity_axes)
    counterfactual = text_identity_swaps(predict, texts, pairs, base, axes, threshold=config.threshold, level=level)
    timings["identity_swap_seconds"] = time.perf_counter() - tick
    tick = time.perf_counter()
    typos = typo_stability(predict, texts, pairs, test.y, base, config.typo_rates, threshold=config.threshold,
                           seed=seed, level=level)
    timings["typo_seconds"] = time.perf_counter() - tick
    groups = test.sensitive.reset_index(drop=True)
    if axes:
        mentions = identity_mentions([t + (" " + p if pairs else "") for t, p in zip(texts, pairs or texts)], axes)
        groups = groups.join(mentions[[c for c in mentions.columns if mentions[c].nunique() >= 2]])
    thresholds = threshold_sensitivity(test.y, base, groups, thresholds=config.threshold_grid,
                                       operating_threshold=config.threshold) if len(groups.columns) else None
    notes = (
        f"A decision is score >= {config.threshold:g}; intervals are exact Clopper-Pearson at {level:.0%} over "
        "the counterfactual texts (texts with several swaps share a base text).",
        "Identity swaps: each identity term a test text names (one group of the axis only) is replaced by "
        "HolisticBias's first descriptor of every other group of its axis (gender nouns by their counterpart); "
        "the article before it is fixed. A real text's context may make a swap odd; templates with only the "
        "term varying are in the text-bias section, with their noise floor.",
        "Typos: each word of four letters or more is slipped with the given probability (swap, drop, double, "
        "or a neighbouring key), seeded; accuracy with typos is on the same test texts.",
    )
    section = RobustnessSection(
        split="test", n_rows=len(texts), threshold=config.threshold, confidence_level=level, seed=seed,
        counterfactual=counterfactual, threshold_sensitivity=thresholds, typos=typos, notes=notes,
        timings=timings)
    return replace(section, reading=text_reading(section))


def text_reading(section: RobustnessSection) -> tuple[str, ...]:
    """Plain sentences: the worst identity swap and what typos do."""
    lines = []
    for c in section.counterfactual:
        fr: FlipRate = c.overall
        lines.append(f"Swapping {c.feature.split(':', 1)[1]} terms flips {fr.rate:.1%} of {fr.n} decisions "
                     f"[{fr.interval.low:.1%}, {fr.interval.high:.1%}].")
    for t in section.typos:
        lines.append(f"Typos in {t.rate:.0%} of words flip {t.overall.rate:.1%} of decisions; accuracy "
                     f"{t.accuracy:.1%} -> {t.accuracy_with_typos:.1%}.")
    return tuple(lines)
