"""Text: identity-term bias of a text classifier, SEAT on its encoder, and word attributions.

Presents ``result.text_bias`` (computed by :mod:`audit.text_bias`); computes nothing heavy. Words are
user data: they are shown as dataframe cells (never as HTML), coloured by a style computed from
the attribution numbers only.
"""

import pandas as pd
import streamlit as st

from dashboards._state import fmt_num, fmt_pct, md_escape, section_or_stop
from reports.sections.text_bias import tables, word_styles

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

views = tables(section)
st.subheader("Counterfactual token fairness")
if views["axes"]:
    st.bar_chart(pd.DataFrame({"axis": [a.axis for a in section.axes],
                               "flip rate": [a.flip_rate for a in section.axes]})
                 .set_index("axis")["flip rate"], horizontal=True)
    st.dataframe(views["axes"].frame(), hide_index=True)

st.subheader("Scores by identity group")
axis_names = [a.axis for a in section.axes]
if axis_names:
    chosen = st.selectbox("Axis", axis_names)
    means = [(g.group, g.mean) for g in section.groups if g.axis == chosen]
    if means:
        st.bar_chart(pd.DataFrame(means, columns=["group", "mean"]).set_index("group")["mean"],
                     horizontal=True)
        st.dataframe(views[f"groups:{chosen}"].frame(), hide_index=True)
if section.largest_changes:
    st.caption("Largest score changes from one identity swap")
    st.dataframe(views["largest_changes"].frame(), hide_index=True)

st.subheader("Encoder bias (SEAT)")
if section.seat:
    st.caption(f"Sentence Encoder Association Tests on {md_escape(section.encoder)} (mean-pooled embeddings).")
    st.dataframe(views["seat"].frame(), hide_index=True)
else:
    st.info(f"SEAT was not run: {md_escape(section.seat_not_run or 'the result does not say why')}.")

st.subheader("Word attributions")
if section.methods:
    st.dataframe(views["methods"].frame(), hide_index=True)
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
    st.dataframe(views["identity_tokens"].frame(), hide_index=True)
for note in section.notes:
    st.caption(md_escape(note))
