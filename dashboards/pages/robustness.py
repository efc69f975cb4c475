"""Robustness: counterfactual stability, noise and perturbation stability, threshold sensitivity.

Presents ``result.robustness`` (computed by :mod:`audit.robustness`); computes nothing.
"""

import pandas as pd
import streamlit as st

from dashboards._state import fmt_pct, md_escape, section_or_stop
from reports.sections.robustness import tables

st.header("Robustness")
st.caption("Robustness and controllability: how often decisions flip under changes that should not matter.")
result, section = section_or_stop(
    "robustness", "The robustness checks were not run for this result "
            "(enable `audits.robustness` in the config).")

st.caption(f"{md_escape(section.split)} split, {section.n_rows:,} rows, decision threshold "
           f"{section.threshold:g}; {section.interval_method} intervals at "
           f"{section.confidence_level:.0%}.")
if section.counterfactual:
    cols = st.columns(len(section.counterfactual))
    for col, cf in zip(cols, section.counterfactual):
        col.metric(f"Flips when only {cf.feature} changes", fmt_pct(cf.overall.rate),
                   help=f"95% CI {fmt_pct(cf.overall.interval.low)} to "
                        f"{fmt_pct(cf.overall.interval.high)}; {cf.overall.flips:,} of "
                        f"{cf.overall.n:,} rows")
for line in section.reading:
    st.markdown(f"- {md_escape(line)}")

views = tables(section)
st.subheader("Counterfactual stability")
for cf in views["counterfactual"]:
    st.markdown(f"**{md_escape(cf['feature'])}**: {md_escape(cf['change'])}")
    if cf["note"]:
        st.caption(md_escape(cf["note"]))
    if cf["rows"]:
        st.dataframe(cf["rows"].frame(), hide_index=True)

if section.noise:
    st.subheader("Input noise")
    st.dataframe(views["noise"].frame(), hide_index=True)
if section.perturbations:
    st.subheader("Plausible perturbations (most sensitive first)")
    st.bar_chart(pd.DataFrame({"feature": [p.feature for p in section.perturbations],
                               "rate": [p.overall.rate for p in section.perturbations]})
                 .set_index("feature")["rate"], horizontal=True)
    st.dataframe(views["perturbations"].frame(), hide_index=True)

ts = section.threshold_sensitivity
if ts is not None:
    st.subheader("Decision-threshold sensitivity")
    curves = {(f"{c.metric} ({c.feature})" if c.feature else c.metric): c.values for c in ts.curves}
    frame = pd.DataFrame(curves, index=pd.Index(ts.thresholds, name="threshold"))
    metric = st.selectbox("Metric", sorted({c.metric for c in ts.curves}))
    st.line_chart(frame[[k for k in curves if k.startswith(metric)]], x_label="threshold")
    st.dataframe(views["thresholds"].frame(), hide_index=True)

if section.text is not None:
    st.subheader("Identity-term stability (text)")
    st.dataframe(views["text"]["rows"].frame(), hide_index=True)

with st.expander("How these numbers were made"):
    for note in section.notes:
        st.markdown(f"- {md_escape(note)}")
