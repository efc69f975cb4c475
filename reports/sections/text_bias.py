"""The text-bias section's view model: charts and coloured words for the report, and tables
(:class:`Table`) read by the dashboard page.

Word colours are computed here from numbers only (a ``background-color`` style per word);
the words themselves stay plain strings that the template autoescapes.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from audit.result import AuditResult
from reports import _charts
from reports.table import Table

#: Colours of positive (towards the positive class) and negative attributions.
POSITIVE_RGB = (26, 133, 26)
NEGATIVE_RGB = (200, 40, 40)
MAX_ALPHA = 0.75


def word_styles(scores: list[float] | tuple[float, ...]) -> list[str]:
    """One CSS ``background-color`` per word, its opacity proportional to |score| / max |score|.

    Only numbers go into the style, so no user text can reach an attribute.

    Examples
    --------
    >>> word_styles([1.0, -0.5, 0.0])
    ['background-color: rgba(26, 133, 26, 0.750)', 'background-color: rgba(200, 40, 40, 0.375)', \
'background-color: rgba(26, 133, 26, 0.000)']
    """
    top = max((abs(float(s)) for s in scores if s == s), default=0.0)
    out = []
    for s in scores:
        s = float(s) if s == s else 0.0
        alpha = MAX_ALPHA * abs(s) / top if top > 0 else 0.0
        r, g, b = POSITIVE_RGB if s >= 0 else NEGATIVE_RGB
        out.append(f"background-color: rgba({r}, {g}, {b}, {alpha:.3f})")
    return out


def coloured_words(attribution) -> list[dict[str, Any]]:
    """Words with their style, score and whether a new segment (second text of a pair) starts."""
    styles = word_styles(attribution.scores)
    segments = list(attribution.segments) or [0] * len(attribution.words)
    return [{"word": w, "style": st, "score": sc, "break": i > 0 and segments[i] != segments[i - 1]}
            for i, (w, st, sc) in enumerate(zip(attribution.words, styles, attribution.scores))]


#: History scalars written by audit.integrations.huggingface.AuditTrainerCallback.
HISTORY_PREFIX = "text/counterfactual_token_flip_rate["


def history_chart(result: AuditResult) -> Markup | None:
    """Flip rate per axis across the recorded evaluations, when the training callback wrote it."""
    records = [r for r in getattr(result, "history", ()) if any(k.startswith(HISTORY_PREFIX) for k in r.metrics)]
    if not records:
        return None
    keys = sorted({k for r in records for k in r.metrics if k.startswith(HISTORY_PREFIX)})
    series = {k[len(HISTORY_PREFIX):-1]: [r.metrics.get(k, float("nan")) for r in records] for k in keys}
    return Markup(_charts.line_chart([r.epoch for r in records], series, xlabel="evaluation",
                                     ylabel="flip rate", title="Counterfactual token flip rate during training"))


def tables(section) -> dict[str, Table]:
    """The section's tables: ``axes`` (counterfactual token fairness, with the noise floor),
    ``groups:<axis>``, ``largest_changes``, ``seat``, ``methods``, ``identity_tokens``."""
    noise = any(a.noise is not None for a in section.axes)
    errors = any(a.error_rate_kind for a in section.axes)
    axes = Table([{
        "axis": a.axis, "n_templates": a.n_templates, "n_terms": a.n_terms,
        "flip_rate": a.flip_rate, "flip_interval": a.flip_interval,
        "mean_abs_change": a.mean_abs_change, "change_interval": a.mean_abs_change_interval,
        "large_change_rate": a.large_change_rate, "group_gap": a.group_gap,
        "highest": a.highest_group, "lowest": a.lowest_group, "error_rate_gap": a.error_rate_gap,
        "noise_flip_rate": a.noise.flip_rate if a.noise else None,
        "flip_verdict": a.noise.flip_verdict if a.noise else None,
        "change_verdict": a.noise.change_verdict if a.noise else None,
        "gap_p": a.group_gap_p_value, "gap_verdict": a.group_gap_verdict} for a in section.axes],
        {"axis": "axis", "n_templates": "templates", "n_terms": "terms", "flip_rate": "flip rate",
         "flip_interval": "flip rate CI", "mean_abs_change": "mean |score change|",
         "change_interval": "mean |score change| CI",
         "large_change_rate": (f"share > {section.axes[0].tolerance}" if section.axes
                               else "share of large changes"),
         "group_gap": "group gap", "highest": "highest", "lowest": "lowest",
         **({"error_rate_gap": "error-rate gap"} if errors else {}),
         **({"noise_flip_rate": "neutral-swap flip rate", "flip_verdict": "flips vs noise floor",
             "change_verdict": "score change vs noise floor", "gap_p": "group gap p",
             "gap_verdict": "group gap vs noise floor"} if noise else {})})
    group_columns = {"group": "group", "n": "n", "small": "small", "mean": "mean",
                     "mean_interval": "mean CI", "gap": "gap", "gap_interval": "gap CI",
                     "positive_rate": "positive rate", "q1": "q1", "median": "median", "q3": "q3",
                     "error_rate": "error rate"}
    groups = {}
    for axis in dict.fromkeys(g.axis for g in section.groups):
        rows = [{"group": g.group, "n": g.n, "small": g.small, "mean": g.mean,
                 "mean_interval": g.mean_interval, "gap": g.gap, "gap_interval": g.gap_interval,
                 "positive_rate": g.positive_rate, "q1": g.box.q1, "median": g.box.median,
                 "q3": g.box.q3, "error_rate": g.error_rate if g.error_rate_interval is not None
                 else None} for g in section.groups if g.axis == axis]
        shown = group_columns if any(r["error_rate"] is not None for r in rows) else {
            k: v for k, v in group_columns.items() if k != "error_rate"}
        groups[f"groups:{axis}"] = Table(rows, shown)
    return {
        "axes": axes, **groups,
        "largest_changes": Table(section.largest_changes, {
            "axis": "axis", "template": "template", "term_a": "higher", "term_b": "lower",
            "score_a": "score (higher)", "score_b": "score (lower)"}),
        "seat": Table(section.seat, {"test": "test", "description": "description",
                                     "effect_size": "effect size d", "p_value": "p (one-sided)",
                                     "n_permutations": "permutations", "exact": "exact"}),
        "methods": Table(section.methods, {"label": "method", "n_texts": "texts",
                                           "n_steps": "steps", "seconds": "seconds",
                                           "mean_abs_delta": "mean |completeness error|",
                                           "max_relative_delta": "largest error / mean output change"}),
        "identity_tokens": Table([{"axis": t.axis, "group": t.group, "n": t.n,
                                   "mean_attribution": t.mean_attribution,
                                   "terms": ", ".join(t.top_terms)} for t in section.identity_tokens],
                                 {"axis": "axis", "group": "group", "n": "sentences",
                                  "mean_attribution": "mean attribution", "terms": "terms"}),
    }


def context(result: AuditResult) -> dict[str, Any]:
    """Template variables for `templates/_text.html.j2` (charts as Markup).

    Examples
    --------
    >>> import pandas as pd
    >>> from audit import audit_predictions
    >>> log = pd.DataFrame({"y": [1, 0, 1, 0] * 50, "p": [.9, .4, .3, .2] * 50,
    ...                     "sex": list("FFMM") * 50})
    >>> result = audit_predictions(log, label="y", score="p", sensitive_features=["sex"])
    >>> context(result)["text_sec"] is None  # a tabular log has no text section
    True
    """
    section = result.text_bias
    if section is None:
        return {"text_sec": None, "text_view": None}
    axes = []
    for fairness in section.axes:
        groups = [g for g in section.groups if g.axis == fairness.axis]
        chart = Markup(_charts.box_chart(
            [f"{g.group} (n={g.n}{', small' if g.small else ''})" for g in groups],
            [{"whislo": g.box.whislo, "q1": g.box.q1, "med": g.box.median, "q3": g.box.q3,
              "whishi": g.box.whishi} for g in groups],
            xlabel="score (probability of the positive class)", reference=section.threshold,
            title=f"Scores by {fairness.axis} group"))
        axes.append({"fairness": fairness, "groups": groups, "chart": chart})
    flip_chart = None
    if section.axes:
        flip_chart = Markup(_charts.interval_chart(
            [a.axis for a in section.axes], [a.flip_rate for a in section.axes],
            [a.flip_interval.low for a in section.axes], [a.flip_interval.high for a in section.axes],
            xlabel="share of identity-term swaps that flip the prediction",
            title="Counterfactual token fairness: flip rate (Clopper-Pearson 95%)"))
    seat_chart = None
    if section.seat:
        seat_chart = Markup(_charts.interval_chart(
            [f"{s.test}: {s.description}" for s in section.seat], [s.effect_size for s in section.seat],
            [float("nan")] * len(section.seat), [float("nan")] * len(section.seat),
            xlabel="effect size d (positive: X with A, Y with B)", reference=0.0,
            title=f"SEAT effect sizes ({section.encoder or 'encoder'})"))
    identity_chart = None
    if section.identity_tokens:
        top = section.identity_tokens[:15]
        identity_chart = Markup(_charts.importance_chart(
            [f"{t.axis}: {t.group}" for t in top], [t.mean_attribution for t in top],
            [t.mean_attribution for t in top], [t.mean_attribution for t in top],
            xlabel="mean attribution of the identity words (log-odds)",
            title="Identity terms that move the prediction most"))
    return {
        "text_sec": section,
        "text_view": {
            "axes": axes,
            "flip_chart": flip_chart,
            "seat_chart": seat_chart,
            "identity_chart": identity_chart,
            "attributions": [{"a": a, "words": coloured_words(a)} for a in section.attributions],
            "has_error_rates": section.template_label is not None,
            "history_chart": history_chart(result),
        },
    }
