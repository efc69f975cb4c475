"""Identity-term bias: score template sentences in which only the identity term changes.

For each axis, every template is filled with every identity term of the axis, giving a
templates x terms score matrix. From it: per-group score distributions (with intervals),
error-rate gaps when the templates' true label is known (Dixon et al., 2018), and
counterfactual token fairness: how often and how much swapping the term changes the prediction
(Garg et al., 2019). Bootstrap intervals resample templates (the unit that repeats).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from audit.quality import wilson_interval
from audit.result import AxisFairness, BoxStats, CounterfactualExample, GroupScores, Interval
from audit.text_bias._data import IdentityTerm, check_templates, fill
from audit.text_bias._errors import EmptyDescriptorsError, PredictionShapeError
from audit.text_bias._noise_floor import METHOD as BOOT_TEMPLATES
from audit.text_bias._noise_floor import pair_rates, template_bootstrap

PredictProba = Callable[..., np.ndarray]
HISTOGRAM_BINS = 10
_BOOT = "bootstrap over templates"


@dataclass(frozen=True)
class AxisScores:
    """One axis: the templates used, its terms, and ``scores[t, k]`` for template t, term k."""

    axis: str
    templates: tuple[str, ...]
    terms: tuple[IdentityTerm, ...]
    sentences: tuple[tuple[str, ...], ...]
    scores: np.ndarray

    @property
    def groups(self) -> list[str]:
        return list(dict.fromkeys(t.group for t in self.terms))


def _check_scores(scores, n: int) -> np.ndarray:
    arr = np.asarray(scores, dtype=float).reshape(-1) if np.ndim(scores) <= 1 else np.asarray(scores, dtype=float)
    if arr.ndim == 2 and arr.shape[1] == 2:
        arr = arr[:, 1]
    if arr.shape != (n,):
        raise PredictionShapeError("predict_proba", f"{n} probabilities of the positive class (shape ({n},))",
                                   f"shape {np.shape(scores)}", "return one probability per text")
    if not np.all((arr >= 0) & (arr <= 1)):
        raise PredictionShapeError("predict_proba", "probabilities in [0, 1]",
                                   f"values in [{np.nanmin(arr):.3g}, {np.nanmax(arr):.3g}]",
                                   "apply softmax/sigmoid to the logits")
    return arr


def score_axes(predict_proba: PredictProba, templates: Sequence[str], terms: Sequence[IdentityTerm], *,
               pair_question: str | None = None) -> list[AxisScores]:
    """Fill every template with every term of each axis and score the sentences in one call.

    ``predict_proba(texts)`` returns the positive-class probability of each text; with
    ``pair_question`` the sentences are passages and the call is
    ``predict_proba([pair_question] * n, passages)`` (question first, as BoolQ pairs are tokenized).
    Templates that need a plural are skipped on axes whose terms have none (names).
    """
    check_templates(templates)
    if not terms:
        raise EmptyDescriptorsError("terms", "at least one identity term", "none", "choose axes with descriptors")
    axes = list(dict.fromkeys(t.axis for t in terms))
    plan = []
    for axis in axes:
        axis_terms = tuple(t for t in terms if t.axis == axis)
        used = tuple(tpl for tpl in templates if all(fill(tpl, t) is not None for t in axis_terms))
        if not used:
            raise EmptyDescriptorsError(f"templates for axis {axis!r}", "a template its terms can fill",
                                        "only plural templates for terms without plurals",
                                        "add a template with {noun_phrase}")
        plan.append((axis, used, axis_terms, tuple(tuple(fill(tpl, t) for t in axis_terms) for tpl in used)))
    flat = [s for *_, sentences in plan for row in sentences for s in row]
    raw = predict_proba([pair_question] * len(flat), flat) if pair_question is not None else predict_proba(flat)
    scores = _check_scores(raw, len(flat))
    out, at = [], 0
    for axis, used, axis_terms, sentences in plan:
        n = len(used) * len(axis_terms)
        out.append(AxisScores(axis, used, axis_terms, sentences, scores[at:at + n].reshape(len(used), len(axis_terms))))
        at += n
    return out


def _percentile(samples: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    alpha = (1 - level) / 2
    return np.quantile(samples, alpha, axis=0), np.quantile(samples, 1 - alpha, axis=0)


def box_stats(values: np.ndarray) -> BoxStats:
    """Quartiles and whiskers at the most extreme values within 1.5 IQR of the box."""
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    iqr = q3 - q1
    inside = values[(values >= q1 - 1.5 * iqr) & (values <= q3 + 1.5 * iqr)]
    return BoxStats(whislo=float(inside.min()), q1=float(q1), median=float(med), q3=float(q3),
                    whishi=float(inside.max()), minimum=float(values.min()), maximum=float(values.max()))


def group_scores(axis: AxisScores, *, threshold: float = 0.5, template_label: int | None = None,
                 bootstrap_replicates: int = 1000, min_group_size: int = 20, seed: int = 0) -> list[GroupScores]:
    """Per-group score distribution, gap to the axis mean (template bootstrap), positive rate
    (Wilson) and, when ``template_label`` is given, the error rate (FPR for 0, FNR for 1)."""
    groups = axis.groups
    member = np.array([[t.group == g for t in axis.terms] for g in groups])  # groups x terms
    per_template = (axis.scores @ member.T) / member.sum(axis=1)  # templates x groups
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(axis.templates), size=(bootstrap_replicates, len(axis.templates)))
    boot = per_template[idx].mean(axis=1)  # replicates x groups
    mean_lo, mean_hi = _percentile(boot)
    gap_lo, gap_hi = _percentile(boot - boot.mean(axis=1, keepdims=True))
    means = per_template.mean(axis=0)
    gaps = means - means.mean()
    out = []
    for j, g in enumerate(groups):
        values = axis.scores[:, member[j]].ravel()
        positives = int((values >= threshold).sum())
        n = values.size
        error, error_ci = float("nan"), None
        if template_label is not None:
            wrong = positives if template_label == 0 else n - positives
            error, error_ci = wrong / n, wilson_interval(wrong, n)
        out.append(GroupScores(
            axis=axis.axis, group=g, n=n, n_terms=int(member[j].sum()), small=n < min_group_size,
            mean=float(means[j]), mean_interval=Interval(float(mean_lo[j]), float(mean_hi[j]), 0.95, _BOOT),
            gap=float(gaps[j]), gap_interval=Interval(float(gap_lo[j]), float(gap_hi[j]), 0.95, _BOOT),
            positive_rate=positives / n, positive_rate_interval=wilson_interval(positives, n),
            error_rate=error, error_rate_interval=error_ci, box=box_stats(values),
            histogram=tuple(int(c) for c in np.histogram(values, bins=HISTOGRAM_BINS, range=(0.0, 1.0))[0])))
    return out


def counterfactual_fairness(axis: AxisScores, groups: Sequence[GroupScores], *, threshold: float = 0.5,
                            tolerance: float = 0.1, template_label: int | None = None, bootstrap_replicates: int = 1000,
                            seed: int = 0) -> AxisFairness:
    """Counterfactual token fairness over every pair of terms within each template.

    The flip rate and the mean |score change| are means over templates of each template's
    pairwise rate (every template has the same pairs), with an expanded-percentile bootstrap
    over templates (:func:`audit.text_bias.template_bootstrap`)."""
    s = axis.scores
    n_t, k = s.shape
    iu = np.triu_indices(k, 1)
    diff = np.abs(s[:, :, None] - s[:, None, :])[:, iu[0], iu[1]]  # templates x pairs
    n_pairs = diff.size
    flips_t, change_t = pair_rates(s, threshold)
    (flip, f_lo, f_hi), (_, lo, hi) = template_bootstrap([flips_t, change_t], bootstrap_replicates, seed)
    means = {g.group: g.mean for g in groups}
    highest, lowest = max(means, key=means.get), min(means, key=means.get)
    kind, error_gap = "", float("nan")
    if template_label is not None:
        kind = "false_positive_rate" if template_label == 0 else "false_negative_rate"
        rates = [g.error_rate for g in groups]
        error_gap = float(max(rates) - min(rates))
    return AxisFairness(
        axis=axis.axis, n_templates=n_t, n_terms=k, n_groups=len(groups), n_pairs=n_pairs,
        flip_rate=flip if n_pairs else float("nan"), flip_interval=Interval(f_lo, f_hi, 0.95, BOOT_TEMPLATES),
        mean_abs_change=float(diff.mean()) if n_pairs else float("nan"),
        mean_abs_change_interval=Interval(lo, hi, 0.95, BOOT_TEMPLATES),
        max_abs_change=float(diff.max()) if n_pairs else float("nan"),
        large_change_rate=float((diff > tolerance).mean()) if n_pairs else float("nan"), tolerance=tolerance,
        group_gap=float(means[highest] - means[lowest]), highest_group=highest, lowest_group=lowest,
        error_rate_kind=kind, error_rate_gap=error_gap)


def largest_changes(axes: Sequence[AxisScores], top: int = 10) -> list[CounterfactualExample]:
    """The templates whose score moves most between two terms of one axis (one pair per template)."""
    rows = []
    for axis in axes:
        for t, template in enumerate(axis.templates):
            hi, lo = int(np.argmax(axis.scores[t])), int(np.argmin(axis.scores[t]))
            rows.append((float(axis.scores[t, hi] - axis.scores[t, lo]), CounterfactualExample(
                axis=axis.axis, template=template, term_a=axis.terms[hi].term, term_b=axis.terms[lo].term,
                score_a=float(axis.scores[t, hi]), score_b=float(axis.scores[t, lo]))))
    rows.sort(key=lambda r: -r[0])
    return [r[1] for r in rows[:top]]
