"""The explainability audit of a text classifier: word attributions over test texts, the words
that push the prediction most either way, and trust checks (completeness, deletion).

Deletion check (a faithfulness test in the spirit of Samek et al., 2017 and DeYoung et al.'s
ERASER "comprehensiveness", 2020): for each explained text, the ``k`` words attributed most
towards the predicted class are removed and the drop in that class's probability is compared
with the drop from removing ``k`` words chosen at random (averaged over ``repeats`` draws,
seeded). Attributions that point at what the model uses make the first drop larger; the check
passes only when the bootstrap interval of the mean difference (over texts) is above 0.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from audit.core import quantile_interval
from audit.explain._config import ExplainabilityAuditConfig
from audit.explain._text import TEXT_METHOD_LABELS, TextExplanation, explain_texts, summarise
from audit.result import ExplainabilitySection, FeatureImportance, Interval, MethodResult, TrustCheck

TextPredict = Callable[[list[str], list[str] | None], np.ndarray]
_ALNUM = re.compile(r"\w")


@dataclass(frozen=True)
class DeletionResult:
    """Drops in the predicted class's probability: top-k attributed words vs random k words."""

    k: int
    n_texts: int
    top_drop: float
    random_drop: float
    difference: float
    interval: Interval


def _content(ex: TextExplanation) -> list[int]:
    return [i for i, w in enumerate(ex.words) if _ALNUM.search(w)]


def without_words(ex: TextExplanation, drop: Sequence[int]) -> tuple[str, str | None]:
    """The explained text (and pair) with the words at ``drop`` cut out by their spans."""
    texts = [ex.text, ex.text_pair]
    for seg in (0, 1):
        if texts[seg] is None:
            continue
        cuts = sorted((ex.spans[i][1], ex.spans[i][2]) for i in drop if ex.spans[i][0] == seg)
        out, at = [], 0
        for lo, hi in cuts:
            out.append(texts[seg][at:lo])
            at = hi
        out.append(texts[seg][at:])
        texts[seg] = re.sub(r"\s{2,}", " ", "".join(out)).strip()
    return texts[0], texts[1]


def deletion_check(predict: TextPredict, explanations: Sequence[TextExplanation], *, k: int = 3,
                   repeats: int = 5, threshold: float = 0.5, replicates: int = 1000, seed: int = 0,
                   level: float = 0.95) -> DeletionResult:
    """Remove the ``k`` words attributed most towards each text's predicted class, and ``k``
    random words (``repeats`` times); compare the drops in that class's probability.

    Texts with at most ``k`` words are left out. The interval is a percentile bootstrap over
    texts of the mean (top-k drop minus mean random drop).
    """
    rng = np.random.default_rng(seed)
    rows, variants = [], []
    for ex in explanations:
        words = _content(ex)
        if len(words) <= k:
            continue
        sign = 1.0 if ex.probability >= threshold else -1.0
        towards = np.array([sign * ex.scores[i] for i in words])
        top = [words[j] for j in np.argsort(-towards, kind="stable")[:k]]
        rows.append((ex, sign))
        variants.append([without_words(ex, top)] + [
            without_words(ex, [words[j] for j in rng.choice(len(words), size=k, replace=False)])
            for _ in range(repeats)])
    if not rows:
        nan = float("nan")
        return DeletionResult(k, 0, nan, nan, nan, Interval(nan, nan, level, "bootstrap over texts"))
    flat = [v for vs in variants for v in vs]
    pairs = [p for _, p in flat] if rows[0][0].text_pair is not None else None
    scores = np.asarray(predict([t for t, _ in flat], pairs), dtype=float).reshape(len(rows), repeats + 1)
    before = np.array([ex.probability for ex, _ in rows])
    signs = np.array([s for _, s in rows])
    # probability of the predicted class: p for positive predictions, 1 - p for negative ones
    drop = signs[:, None] * (before[:, None] - scores)
    top_drop, random_drop = drop[:, 0], drop[:, 1:].mean(axis=1)
    diff = top_drop - random_drop
    idx = np.random.default_rng(seed + 1).integers(0, len(diff), size=(replicates, len(diff)))
    low, high = quantile_interval(diff[idx].mean(axis=1), level)
    return DeletionResult(k, len(rows), float(top_drop.mean()), float(random_drop.mean()), float(diff.mean()),
                          Interval(float(low), float(high), level, "bootstrap over texts"))


@dataclass(frozen=True)
class RankedWords:
    """Word importances, and the words that push most reliably for and against the positive
    class: ranked by the bound of their signed mean's interval nearest 0 (a word seen often and
    always pushing one way beats a rare one with a large mean)."""

    importances: tuple[FeatureImportance, ...]
    positive: tuple[str, ...]
    negative: tuple[str, ...]


def word_importance(explanations: Sequence[TextExplanation], *, min_count: int = 5, replicates: int = 1000,
                    seed: int = 0, level: float = 0.95, top: int = 15) -> RankedWords:
    """Per word (lower-cased, seen at least ``min_count`` times): mean |attribution| with a
    bootstrap interval over its occurrences and the signed mean (importances sorted by signed
    mean, descending); ``positive`` are the ``top`` words whose signed mean's lower bound is
    highest (above 0), ``negative`` those whose upper bound is lowest (below 0)."""
    values: dict[str, list[float]] = defaultdict(list)
    for ex in explanations:
        for w, s in zip(ex.words, ex.scores):
            if _ALNUM.search(w):
                values[w.lower()].append(float(s))
    rng = np.random.default_rng(seed)
    out, bounds = [], []
    for word, v in values.items():
        if len(v) < min_count:
            continue
        signed = np.array(v)
        idx = rng.integers(0, len(signed), size=(replicates, len(signed)))
        lo, hi = quantile_interval(np.abs(signed)[idx].mean(axis=1), level)
        s_lo, s_hi = quantile_interval(signed[idx].mean(axis=1), level)
        out.append(FeatureImportance(feature=word, importance=float(np.abs(signed).mean()),
                                     interval=Interval(float(lo), float(hi), level, "bootstrap over occurrences"),
                                     mean_attribution=float(signed.mean())))
        bounds.append((word, float(s_lo), float(s_hi)))
    out.sort(key=lambda f: -f.mean_attribution)
    positive = tuple(w for w, lo, _ in sorted(bounds, key=lambda b: -b[1]) if lo > 0)[:top]
    negative = tuple(w for w, _, hi in sorted(bounds, key=lambda b: b[2]) if hi < 0)[:top]
    return RankedWords(tuple(out), positive, negative)


def _completeness(method: str, explanations: Sequence[TextExplanation], tolerance: float) -> TrustCheck:
    timing = summarise(explanations, 0.0)
    if np.isnan(timing.mean_abs_delta):
        return TrustCheck(method=method, check="completeness", value=float("nan"), threshold=tolerance,
                          status="not applicable", detail="the method has no completeness axiom")
    ok = timing.mean_abs_delta <= tolerance
    return TrustCheck(
        method=method, check="completeness", value=timing.mean_abs_delta, threshold=tolerance,
        status="pass" if ok else "warn",
        detail=f"mean |sum of word attributions - (output - baseline output)| over {timing.n_texts} texts, "
               f"in log-odds; largest / mean output change {timing.max_relative_delta:.3f}")


def audit_text_explanations(model: Any, tokenizer: Any, dataset: Any, predict: TextPredict,
                            config: ExplainabilityAuditConfig, seed: int = 0) -> ExplainabilitySection:
    """Word attributions of test texts (Layer Integrated Gradients on the token embeddings),
    the words most for and against the positive class, and the trust checks.

    Parameters
    ----------
    model : torch.nn.Module
        The classifier (``input_ids``/``attention_mask`` in, two logits out).
    tokenizer : fast Hugging Face tokenizer
    dataset : audit.text.TextDataset
    predict : callable
        ``predict(texts, pairs_or_None) -> P(positive)`` on raw strings (the deletion check).
    config : ExplainabilityAuditConfig
        ``text_rows`` test texts (seeded sample), ``n_steps``, ``deletion_k``,
        ``deletion_repeats``, ``min_word_count``, ``top_words``, ``completeness_tolerance``.
    seed : int

    Returns
    -------
    ExplainabilitySection
        ``methods[0].features``: one entry per word; ``top_positive_words`` /
        ``top_negative_words``; ``checks``: completeness and deletion.
    """
    test = dataset.test
    rng = np.random.default_rng(seed)
    n = min(config.text_rows, len(test))
    rows = np.sort(rng.choice(len(test), size=n, replace=False))
    texts = test.texts[dataset.text].astype(str).iloc[rows].tolist()
    pairs = test.texts[dataset.text_pair].astype(str).iloc[rows].tolist() if dataset.text_pair else None
    timings: dict[str, float] = {}
    tick = time.perf_counter()
    explanations = explain_texts(model, tokenizer, texts, text_pairs=pairs, method="integrated_gradients",
                                 target=config.target, n_steps=config.n_steps, max_length=dataset.max_length,
                                 batch_size=16)
    timings["integrated_gradients_seconds"] = time.perf_counter() - tick
    ranked = word_importance(explanations, min_count=config.min_word_count,
                             replicates=config.bootstrap_replicates, seed=seed, top=config.top_words)
    method = MethodResult(
        method="integrated_gradients", label=TEXT_METHOD_LABELS["integrated_gradients"],
        baseline="padding tokens in place of every word (special tokens kept)", n_rows=n,
        seconds=timings["integrated_gradients_seconds"], batch_size=16, is_gradient_based=True,
        multiplies_by_inputs=True, features=ranked.importances)
    checks: list[TrustCheck] = []
    if "completeness" in config.checks:
        checks.append(_completeness("integrated_gradients", explanations, config.completeness_tolerance))
    tick = time.perf_counter()
    deletion = deletion_check(predict, explanations, k=config.deletion_k, repeats=config.deletion_repeats,
                              replicates=config.bootstrap_replicates, seed=seed)
    timings["deletion_seconds"] = time.perf_counter() - tick
    iv = deletion.interval
    checks.append(TrustCheck(
        method="integrated_gradients", check="deletion", value=deletion.difference, threshold=0.0,
        status="not applicable" if deletion.n_texts == 0 else "pass" if iv.low > 0 else "warn",
        detail=f"removing the {deletion.k} words attributed most towards the predicted class lowers its "
               f"probability by {deletion.top_drop:.4f} on average, {deletion.k} random words by "
               f"{deletion.random_drop:.4f} ({config.deletion_repeats} draws); difference {deletion.difference:.4f} "
               f"[{iv.low:.4f}, {iv.high:.4f}] over {deletion.n_texts} texts; passes when the interval is above 0"))
    notes = (
        f"Word attributions: Layer Integrated Gradients ({config.n_steps} steps) on the token embeddings, "
        "explaining the log-odds of the positive class from a baseline of padding tokens; word pieces are summed "
        f"back to words. {n} test texts (seeded sample); words seen at least {config.min_word_count} times are "
        "listed by mean signed attribution; the words for and against the positive class are ranked by the "
        "bound of that mean's 95% bootstrap interval nearest 0 (consistent words first, rare ones last).",
        "Deletion check: the words attributed most towards the predicted class, cut out of the text, should lower "
        "that class's probability more than as many random words do (ERASER's comprehensiveness against a random "
        "baseline).",
    )
    return ExplainabilitySection(
        target=config.target, target_label=str(dataset.positive_label), output="log-odds of the positive class",
        split="test", n_rows=n, primary_method="integrated_gradients", methods=(method,), checks=tuple(checks),
        settings={"text_rows": str(n), "n_steps": str(config.n_steps), "deletion_k": str(config.deletion_k),
                  "deletion_repeats": str(config.deletion_repeats), "min_word_count": str(config.min_word_count)},
        timings=timings, notes=notes, top_positive_words=ranked.positive, top_negative_words=ranked.negative)
