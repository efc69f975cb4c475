"""Counterfactuals: what would have to change to flip the decision, and is recourse fair?

Presents ``result.counterfactuals`` (computed by :mod:`audit.counterfactuals`); computes nothing.
"""

import pandas as pd
import streamlit as st

from dashboards._state import md_escape, section_or_stop
from reports.sections.counterfactuals import group_table

st.header("Counterfactuals")
st.caption("Counterfactual explanations and recourse: what would change each decision, and for whom it costs more.")
result, section = section_or_stop("counterfactuals", "The counterfactual audit was not run for this result.")

immutable = ", ".join(section.immutable) or "nothing"
st.caption(f"Up to {section.n_per_row} counterfactuals for each of {section.n_rows_searched:,} "
           f"{md_escape(section.split)} rows; never changed: {md_escape(immutable)}. "
           f"Cost: {md_escape(section.cost_description)}.")
c1, c2, c3, c4 = st.columns(4)
c1.metric("Rows with a counterfactual",
          f"{section.n_rows_found / max(section.n_rows_searched, 1):.1%}",
          help=f"{section.n_rows_not_found:,} rows: not found within the constraints")
c2.metric("Negative decisions without recourse", f"{section.n_negative_not_found:,}",
          help=f"of {section.n_negative:,} rows with a negative decision")
c3.metric("Counterfactuals per row", f"{section.mean_per_row:.2f}",
          help=f"verified valid: {section.validity:.1%}")
c4.metric("Search time", f"{section.seconds:.1f} s", help=f"{section.rows_per_second:,.0f} rows/s")

st.subheader("What most often needs to change")
rates = pd.DataFrame([{"feature": f, "share of cheapest counterfactuals": r}
                      for f, r in section.change_rates.items()]).sort_values(
    "share of cheapest counterfactuals", ascending=False)
st.bar_chart(rates.set_index("feature"), horizontal=True)

st.subheader("Recourse by group")
features = sorted({g.sensitive_feature for g in section.groups})
if features:
    feature = st.selectbox("Sensitive feature", features)
    items = [g for g in section.groups if g.sensitive_feature == feature]
    for gap in section.gaps:
        if gap.sensitive_feature == feature:
            what = "mean cost" if gap.measure == "mean_cost" else "share with recourse"
            st.markdown(f"Gap in {what}: **{gap.value:.3f}** [{gap.interval.low:.3f}, "
                        f"{gap.interval.high:.3f}] "
                        + (f"(worst {md_escape(gap.worst_group)}, best {md_escape(gap.best_group)})"
                           if gap.worst_group else "(every group the same)"))
    st.dataframe(group_table(section, feature).frame(), hide_index=True)
    st.caption("Share of each group's cheapest counterfactuals that change each feature.")
    st.dataframe(pd.DataFrame({g.group: g.change_rates for g in items}))

st.subheader("Individual rows")
if section.row_examples:
    labels = [f"row {r.row}: p = {r.probability:.3f}, "
              f"{len(r.counterfactuals) if r.counterfactuals else 'none'} found" for r in section.row_examples]
    row = section.row_examples[st.selectbox("Row", range(len(labels)), format_func=labels.__getitem__)]
    st.caption(", ".join(f"{md_escape(k)}: {md_escape(v)}" for k, v in row.groups.items()))
    if not row.counterfactuals:
        st.warning("No counterfactual found within the constraints for this row.")
    for i, cf in enumerate(row.counterfactuals, 1):
        changes = "; ".join(f"change **{md_escape(c.feature)}** from {md_escape(c.before)} to "
                            f"{md_escape(c.after)}" for c in cf.changes)
        st.markdown(f"{i}. {changes} (cost {cf.cost:.3f}, new p = {cf.probability:.3f})")
for note in section.notes:
    st.caption(md_escape(note))
