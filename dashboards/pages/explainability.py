"""Explainability: what the model relies on, globally, per row, per group, and how far to trust it.

Presents ``result.explainability`` (computed by :mod:`audit.explain`); computes nothing heavy.
"""

import pandas as pd
import streamlit as st

from dashboards._state import md_escape, section_or_stop
from reports.sections.explainability import checks_table, importance_table, proxy_table

DETAIL_KEY = "explain/global_importance"  # written by audit.explain.AttributionCallback

st.header("Explainability")
result, section = section_or_stop("explainability", "The explainability audit was not run for this result.",
                                  is_empty=lambda s: not s.methods)

methods = {m.method: m for m in section.methods}
warns = [c for c in section.checks if c.status == "warn"]
st.caption(f"Attributions of the {md_escape(section.output)}, on {section.n_rows:,} rows of the "
           f"{section.split} split, summed per original feature.")
c1, c2, c3 = st.columns(3)
c1.metric("Methods run", len(section.methods))
c2.metric("Trust checks passed", f"{len(section.checks) - len(warns)} / {len(section.checks)}")
c3.metric("Possible proxies", sum(p.flagged for p in section.proxies))

st.subheader("Global importance")
names = list(methods)
chosen = st.selectbox("Method", names, index=names.index(section.primary_method)
                      if section.primary_method in names else 0)
method = methods[chosen]
st.caption(f"{md_escape(method.label)}; baseline: {md_escape(method.baseline)}; "
           f"{method.n_rows:,} rows; "
           "mean |attribution| with a 95% bootstrap interval.")
importance = importance_table(method)
st.bar_chart(pd.DataFrame({"feature": [f.feature for f in method.features],
                           "importance": [f.importance for f in method.features]})
             .set_index("feature")["importance"], horizontal=True)
st.dataframe(importance.frame(), hide_index=True)

history = [r for r in result.history if DETAIL_KEY in r.details]
if history:
    st.subheader("Importance during training")
    frame = pd.DataFrame([{"epoch": r.epoch, **r.details[DETAIL_KEY]} for r in history])
    top = [f.feature for f in method.features[:5] if f.feature in frame]
    st.line_chart(frame.set_index("epoch")[top], x_label="epoch", y_label="mean |attribution|")

st.subheader("Trust checks")
st.dataframe(checks_table(section).frame(), hide_index=True)
if section.agreement is not None:
    st.caption(f"Method agreement: Spearman rank correlation of global importance "
               f"({section.agreement.n_rows} shared rows).")
    st.dataframe(pd.DataFrame(section.agreement.spearman, index=list(section.agreement.methods),
                              columns=list(section.agreement.methods)))

st.subheader("Individual rows")
if section.rows:
    labels = [f"row {r.row}: {r.kind} (p = {r.probability:.3f})" for r in section.rows]
    row = section.rows[st.selectbox("Row", range(len(labels)), format_func=labels.__getitem__)]
    st.caption(f"From the baseline output {row.baseline_output:.3f} to the row's output "
               f"{row.output:.3f} ({md_escape(section.output)}).")
    contributions = pd.DataFrame([{"feature": k, "value": row.values.get(k, ""),
                                   "contribution": v} for k, v in row.contributions.items()])
    st.bar_chart(contributions.set_index("feature")["contribution"], horizontal=True)
    st.dataframe(contributions, hide_index=True)

st.subheader("Sensitive groups")
sensitive = sorted({g.sensitive_feature for g in section.groups})
if sensitive:
    feature = st.selectbox("Sensitive feature", sensitive)
    rows = [g for g in section.groups if g.sensitive_feature == feature]
    frame = pd.DataFrame({f"{g.group} (n={g.n}{', small' if g.small else ''})":
                          g.mean_attribution for g in rows})
    st.caption("Mean signed attribution of each feature in each group.")
    st.dataframe(frame)

st.subheader("Proxies of sensitive features")
st.dataframe(proxy_table(section).frame(), hide_index=True)
for note in section.notes:
    st.caption(md_escape(note))
