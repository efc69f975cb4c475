"""Identity-term stability of a text classifier: strings in, numbers out.

Each template holds a placeholder; it is filled with every identity term and scored by the
user's ``predict_proba(texts)``. Any model works (a transformer pipeline, a scikit-learn text
pipeline, a keyword scorer): only the callable is needed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from audit.result import FlipRate, TextCounterfactualStability
from audit.robustness._errors import RobustnessInputError
from audit.robustness._flips import checked_scores, flip_rate, from_decisions

#: Templates whose decisions differ between terms that are kept as examples.
MAX_EXAMPLES = 5


def text_counterfactual_stability(
    predict_proba: Callable[[list[str]], np.ndarray],
    templates: Sequence[str],
    identity_terms: Sequence[str],
    *,
    placeholder: str = "{term}",
    reference_term: str | None = None,
    threshold: float = 0.5,
    batch_size: int = 512,
    level: float = 0.95,
) -> TextCounterfactualStability:
    """How often swapping an identity term in otherwise identical texts flips the decision.

    Parameters
    ----------
    predict_proba : callable
        ``predict_proba(list_of_texts) -> array``: the probability of the favourable (or
        flagged) class per text, shape ``(n,)`` or ``(n, 2)``.
    templates : sequence of str
        Texts holding ``placeholder`` (e.g. ``"I am a {term} person."``).
    identity_terms : sequence of str
        At least two terms to substitute (e.g. ``["gay", "straight"]``).
    placeholder : str
    reference_term : str, optional
        The term each other term is compared with (default: the first).
    threshold : float
        Decision threshold on the score.
    batch_size : int
        Texts per call of ``predict_proba``.
    level : float
        Confidence level of the Clopper-Pearson intervals.

    Returns
    -------
    TextCounterfactualStability
        ``overall``: templates whose decisions are not all equal; ``by_term``: each term
        against the reference.

    Examples
    --------
    >>> def scorer(texts):
    ...     return np.array([0.9 if "awful" in t or "muslim" in t else 0.1 for t in texts])
    >>> out = text_counterfactual_stability(scorer, ["a {term} neighbour", "an awful {term} film"],
    ...                                     ["christian", "muslim"])
    >>> out.overall.flips, out.by_term[0].label
    (1, 'christian -> muslim')
    """
    templates, terms = list(templates), list(identity_terms)
    if len(terms) < 2 or len(set(terms)) != len(terms):
        raise RobustnessInputError("identity_terms", "at least two distinct terms",
                                   repr(terms)[:80], "pass e.g. ['woman', 'man']")
    if not templates:
        raise RobustnessInputError("templates", "at least one template", "none",
                                   f"pass texts holding {placeholder!r}")
    lacking = [t for t in templates if placeholder not in t]
    if lacking:
        raise RobustnessInputError(
            "templates", f"every template to contain the placeholder {placeholder!r}",
            f"{len(lacking)} without it, e.g. {lacking[0][:60]!r}",
            f"put {placeholder!r} where the identity term goes, or set placeholder=")
    reference = terms[0] if reference_term is None else reference_term
    if reference not in terms:
        raise RobustnessInputError("reference_term", f"one of {terms}", repr(reference),
                                   "choose a term from identity_terms")
    texts = [t.replace(placeholder, term) for term in terms for t in templates]
    parts = []
    for start in range(0, len(texts), batch_size):
        batch = texts[start:start + batch_size]
        parts.append(checked_scores(predict_proba(batch), len(batch), "predict_proba(texts)"))
    scores = np.concatenate(parts).reshape(len(terms), len(templates))
    decisions = scores >= threshold
    ref = terms.index(reference)
    by_term: list[FlipRate] = [flip_rate(f"{reference} -> {term}", scores[ref], scores[i], threshold,
                                         level=level) for i, term in enumerate(terms) if i != ref]
    differs = decisions.min(axis=0) != decisions.max(axis=0)
    spread = scores.max(axis=0) - scores.min(axis=0)
    overall = from_decisions("any term", decisions[ref], None, spread, flipped=differs, level=level)
    examples = tuple(templates[i] for i in np.flatnonzero(differs)[:MAX_EXAMPLES])
    return TextCounterfactualStability(
        n_templates=len(templates), terms=tuple(terms), reference_term=reference,
        threshold=threshold, overall=overall, by_term=tuple(by_term),
        mean_score_range=float(spread.mean()), examples=examples)
