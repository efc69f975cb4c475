"""Robustness: counterfactual stability, noise and perturbation stability, threshold sensitivity.

Presents ``result.robustness`` (computed by :mod:`audit.robustness`); computes nothing.
"""

import pandas as pd
import streamlit as st

from dashboards._state import fmt_pct, md_escape, section_or_stop


def flip_frame(rates, **extra) -> pd.DataFrame:
    """One row per flip rate, with its interval (feature/group names are plain table cells)."""
    return pd.DataFrame([{**{k: v[i] for k, v in extra.items()}, "change": fr.label, "rows": fr.n,
                          "flips": fr.flips, "flip rate": fmt_pct(fr.rate),
                          "95% CI": f"{fmt_pct(fr.interval.low)} to {fmt_pct(fr.interval.high)}",
                          "mean |Δ score|": round(fr.mean_abs_delta, 4)}
                         for i, fr in enumerate(rates)])


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

st.subheader("Counterfactual stability")
for cf in section.counterfactual:
    st.markdown(f"**{md_escape(cf.feature)}**: {md_escape(cf.change)}")
    if cf.note:
        st.caption(md_escape(cf.note))
    if cf.by_change:
        st.dataframe(flip_frame(cf.by_change), hide_index=True)

if section.noise:
    st.subheader("Input noise")
    st.dataframe(flip_frame([n.overall for n in section.noise],
                            **{"noise (SD)": [n.scale for n in section.noise]}), hide_index=True)
if section.perturbations:
    st.subheader("Plausible perturbations (most sensitive first)")
    frame = flip_frame([p.overall for p in section.perturbations],
                       feature=[p.feature for p in section.perturbations])
    st.bar_chart(frame.assign(rate=[p.overall.rate for p in section.perturbations])
                 .set_index("feature")["rate"], horizontal=True)
    st.dataframe(frame, hide_index=True)

ts = section.threshold_sensitivity
if ts is not None:
    st.subheader("Decision-threshold sensitivity")
    curves = {(f"{c.metric} ({c.feature})" if c.feature else c.metric): c.values for c in ts.curves}
    frame = pd.DataFrame(curves, index=pd.Index(ts.thresholds, name="threshold"))
    metric = st.selectbox("Metric", sorted({c.metric for c in ts.curves}))
    st.line_chart(frame[[k for k in curves if k.startswith(metric)]], x_label="threshold")
    st.dataframe(pd.DataFrame([{"metric": c.metric, "feature": c.feature, "at operating": c.at_operating,
                                "low": c.low, "high": c.high, "per +0.01": 0.01 * c.slope}
                               for c in ts.curves]), hide_index=True)

if section.text is not None:
    st.subheader("Identity-term stability (text)")
    st.dataframe(flip_frame(section.text.by_term), hide_index=True)

with st.expander("How these numbers were made"):
    for note in section.notes:
        st.markdown(f"- {md_escape(note)}")
