"""Data privacy: re-identification risk of the training table and personal data in its text.

Presents ``result.data_privacy`` (computed by :mod:`audit.data_privacy` before training). The
smallest classes show quasi-identifier values of the most exposed records: internal use only.
"""

import pandas as pd
import streamlit as st

from dashboards._state import md_escape, section_or_stop
from reports.sections.data_privacy import tables

st.header("Data privacy")
result, section = section_or_stop(
    "data_privacy", "The data privacy scan was not run for this result. Enable it with "
            "`audits: data_privacy: enabled: true`, or run `rai-audit scan FILE`.")

a, g = section.anonymity, section.generalisation
st.caption(f"{section.n_rows:,} rows x {section.n_columns} columns of {md_escape(section.source)}; "
           f"quasi-identifiers: {md_escape(', '.join(a.quasi_identifiers))}"
           + (f"; sensitive column: {md_escape(a.sensitive)}" if a.sensitive else ""))
cols = st.columns(4)
cols[0].metric("k-anonymity", f"k = {a.k}", help=f"target {a.k_target}; "
               f"{a.rows_below_k_target:,} rows ({a.share_below_k_target:.1%}) below it")
cols[1].metric("Unique records", f"{a.unique_share:.1%}", help=f"{a.unique_rows:,} rows alone in their class")
cols[2].metric("Prosecutor risk (max / mean)", f"{a.prosecutor_risk_max:.2f} / {a.prosecutor_risk_mean:.3f}")
if a.l_distinct is not None:
    cols[3].metric(f"l-diversity of {md_escape(a.sensitive)}", f"l = {a.l_distinct}",
                   help=f"entropy l {a.l_entropy:.2f}; {a.classes_below_l_target:,} classes below {a.l_target}")
for note in section.notes:
    st.write(md_escape(note))

st.subheader("Rows by equivalence-class size")
sizes = pd.DataFrame([{"class size": b.label, "rows": b.n_rows, "classes": b.n_classes}
                      for b in a.size_histogram]).set_index("class size")
st.bar_chart(sizes["rows"], x_label="class size", y_label="rows")

views = tables(section)
st.subheader("Columns")
st.dataframe(views["columns"].frame(), hide_index=True)
others = [c.column for c in section.columns if c.role == "other"]
if others:
    st.caption("Not identifying beyond the quasi-identifiers: " + md_escape(", ".join(others)))
with st.expander(f"Most identifying combinations ({len(section.combinations)})"):
    st.dataframe(views["combinations"].frame(), hide_index=True)

if g is not None:
    st.subheader(f"Generalisation to k = {g.k_target}: {'reached' if g.reached else 'NOT reached'}")
    st.dataframe(views["levels"].frame(), hide_index=True)
    c = st.columns(4)
    c[0].metric("Information lost (NCP)", f"{g.ncp:.3f}", help="0 = none, 1 = everything")
    c[1].metric("Rows suppressed", f"{g.suppressed_rows:,}", help=f"{g.suppressed_share:.2%} "
                f"(budget {g.max_suppression:.2%})")
    c[2].metric("Resulting k", g.k, help=f"{g.n_classes:,} classes")
    c[3].metric("Search", g.strategy, help=f"{g.nodes_evaluated} generalisations evaluated; NCP per strategy: "
                + ", ".join(f"{k} {v:.3f}" for k, v in g.alternatives.items()))

if a.smallest:
    with st.expander(f"The {len(a.smallest)} smallest classes (most exposed records: internal audit only)"):
        st.dataframe(views["smallest"].frame(), hide_index=True)

if section.text:
    st.subheader("Personal data in text columns")
    st.dataframe(views["text"].frame(), hide_index=True)
    for t in section.text:
        if t.examples:
            with st.expander(f"Redacted examples from {md_escape(t.column)}"):
                for e in t.examples:
                    st.code(e, language=None)
