"""Text: identity-term bias of a text classifier, SEAT on its encoder, and word attributions.

Presents ``result.text_bias`` (computed by :mod:`audit.text_bias`); computes nothing heavy. Words are
user data: they are shown as dataframe cells (never as HTML), coloured by a style computed from
the attribution numbers only.
"""

import pandas as pd
import streamlit as st

from dashboards._state import fmt_num, fmt_pct, md_escape, section_or_stop
from reports.sections.text_bias import word_styles

st.header("Text")
result, section = section_or_stop("text_bias", "The text-bias audit was not run for this result.")

st.caption(f"{section.n_sentences:,} template sentences in which only an identity term changes; scores are the "
           f"probability of the positive class (positive at >= {section.threshold}).")
if section.pair_mode == "passage_with_question":
    st.caption(f"Pair task: each template sentence is the passage, with the fixed question "
               f"“{md_escape(section.pair_question)}”.")
if section.axes:
    worst = max(section.axes, key=lambda a: a.flip_rate)
    c1, c2, c3 = st.columns(3)
    c1.metric("Worst flip rate", fmt_pct(worst.flip_rate), help=f"axis {worst.axis}")
    c2.metric("Largest group gap", fmt_num(max(a.group_gap for a in section.axes), 4))
    if section.seat:
        top = max(section.seat, key=lambda s: abs(s.effect_size))
        c3.metric("Largest SEAT |d|", fmt_num(abs(top.effect_size)), help=top.test)

st.subheader("Counterfactual token fairness")
axes = pd.DataFrame([{
    "axis": a.axis, "templates": a.n_templates, "terms": a.n_terms, "flip rate": a.flip_rate,
    "flip CI low": a.flip_interval.low, "flip CI high": a.flip_interval.high,
    "mean |score change|": a.mean_abs_change, "change CI low": a.mean_abs_change_interval.low,
    "change CI high": a.mean_abs_change_interval.high, f"share > {a.tolerance}": a.large_change_rate,
    "group gap": a.group_gap, "highest": a.highest_group, "lowest": a.lowest_group,
    **({"error-rate gap": a.error_rate_gap} if a.error_rate_kind else {}),
    **({"neutral-swap flip rate": a.noise.flip_rate, "flips vs noise floor": a.noise.flip_verdict,
        "score change vs noise floor": a.noise.change_verdict, "group gap p": a.group_gap_p_value,
        "group gap vs noise floor": a.group_gap_verdict} if a.noise is not None else {}),
} for a in section.axes])
if not axes.empty:
    st.bar_chart(axes.set_index("axis")["flip rate"], horizontal=True)
    st.dataframe(axes, hide_index=True)

st.subheader("Scores by identity group")
axis_names = [a.axis for a in section.axes]
if axis_names:
    chosen = st.selectbox("Axis", axis_names)
    groups = pd.DataFrame([{
        "group": g.group, "n": g.n, "small": g.small, "mean": g.mean, "mean CI low": g.mean_interval.low,
        "mean CI high": g.mean_interval.high, "gap": g.gap, "gap CI low": g.gap_interval.low,
        "gap CI high": g.gap_interval.high, "positive rate": g.positive_rate, "q1": g.box.q1,
        "median": g.box.median, "q3": g.box.q3,
        **({"error rate": g.error_rate} if g.error_rate_interval is not None else {}),
    } for g in section.groups if g.axis == chosen])
    st.bar_chart(groups.set_index("group")["mean"], horizontal=True)
    st.dataframe(groups, hide_index=True)
if section.largest_changes:
    st.caption("Largest score changes from one identity swap")
    st.dataframe(pd.DataFrame([{"axis": c.axis, "template": c.template, "higher": c.term_a, "lower": c.term_b,
                                "score (higher)": c.score_a, "score (lower)": c.score_b}
                               for c in section.largest_changes]), hide_index=True)

st.subheader("Encoder bias (SEAT)")
if section.seat:
    st.caption(f"Sentence Encoder Association Tests on {md_escape(section.encoder)} (mean-pooled embeddings).")
    st.dataframe(pd.DataFrame([{
        "test": s.test, "description": s.description, "effect size d": s.effect_size, "p (one-sided)": s.p_value,
        "permutations": s.n_permutations, "exact": s.exact} for s in section.seat]), hide_index=True)
else:
    st.info(f"SEAT was not run: {md_escape(section.seat_not_run or 'the result does not say why')}.")

st.subheader("Word attributions")
if section.methods:
    st.dataframe(pd.DataFrame([{"method": m.label, "texts": m.n_texts, "steps": m.n_steps, "seconds": m.seconds,
                                "mean |completeness error|": m.mean_abs_delta,
                                "largest error / mean output change": m.max_relative_delta} for m in section.methods]),
                 hide_index=True)
if section.attributions:
    st.caption("Green words push towards the positive class, red words away; opacity ~ |attribution|.")
    for i, a in enumerate(section.attributions):
        st.caption(f"Text {i + 1} ({md_escape(a.method.replace('_', ' '))}), p = {a.probability:.3f}")
        words = pd.DataFrame([list(a.words)], columns=[str(j + 1) for j in range(len(a.words))])
        styles = pd.DataFrame([word_styles(a.scores)], columns=words.columns)
        st.dataframe(words.style.apply(lambda _, s=styles: s, axis=None), hide_index=True)
else:
    st.info("No word attributions in this result.")
if section.identity_tokens:
    st.caption("Identity words that move the prediction most (Layer IG, mean over template sentences)")
    st.dataframe(pd.DataFrame([{"axis": t.axis, "group": t.group, "sentences": t.n,
                                "mean attribution": t.mean_attribution, "terms": ", ".join(t.top_terms)}
                               for t in section.identity_tokens]), hide_index=True)
for note in section.notes:
    st.caption(md_escape(note))
