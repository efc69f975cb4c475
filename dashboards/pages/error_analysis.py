"""Error analysis: the cohorts where the model errs most, as a filterable table and the error tree.

Presents ``result.error_analysis`` (computed by :mod:`audit.error_analysis`); the dashboard has
no model, so the filters (minimum support, sensitive features, order, significance) select
among the cohorts stored in the result.
"""

import pandas as pd
import streamlit as st

from dashboards._state import fmt_pct, md_escape, section_or_stop
from reports.sections.error_analysis import cohort_table

st.header("Error analysis")
result, section = section_or_stop("error_analysis", "The error analysis was not run for this result.",
                                  is_empty=lambda s: not s.analyses)

s = section.settings
st.caption(f"Cohorts of the {md_escape(section.split)} split ({section.n_rows:,} rows) on the original "
           f"features, where the metric is {s.direction}; slices of up to {s.max_order} features with at "
           f"least {s.min_support:,} rows; q values: Benjamini-Hochberg over every slice tested.")

names = [a.metric for a in section.analyses]
c1, c2, c3 = st.columns(3)
metric = c1.selectbox("Metric", names, format_func=lambda m: m.replace("_", " "))
analysis = section.analysis(metric)
largest = max([c.size for c in analysis.cohorts], default=s.min_support)
min_support = c2.number_input("Minimum support (rows)", min_value=s.min_support,
                              max_value=max(largest, s.min_support), value=s.min_support, step=10,
                              help="Cohorts were searched with the run's minimum; raise it to hide "
                                   "smaller ones.")
max_order = c3.selectbox("Most features per slice", list(range(1, s.max_order + 1)),
                         index=s.max_order - 1)
c4, c5 = st.columns(2)
include_sensitive = c4.checkbox("Include cohorts defined by sensitive features",
                                value=s.include_sensitive, disabled=not s.include_sensitive,
                                help="Sensitive features: " + ", ".join(s.sensitive_features)
                                if s.sensitive_features else "No sensitive features were named.")
significant_only = c5.checkbox("Significant only (q <= alpha)", value=False)
if not s.include_sensitive:
    st.caption("This run left the sensitive features out of the search.")

m1, m2, m3 = st.columns(3)
m1.metric(f"Overall {metric.replace('_', ' ')}", fmt_pct(analysis.overall_value, 1))
m2.metric("Slices tested", f"{analysis.n_slices_tested:,}")
m3.metric("Significant", f"{analysis.n_significant:,}")


st.subheader("Top cohorts")
kept = [c for c in analysis.cohorts
        if c.size >= min_support and c.order <= max_order
        and (include_sensitive or not c.uses_sensitive) and (c.significant or not significant_only)]
st.caption(f"{len(kept)} of the {len(analysis.cohorts)} stored cohorts match the filters, "
           "largest effect first.")
if kept:
    st.dataframe(cohort_table(kept).frame(), hide_index=True)
    top = pd.DataFrame({"cohort": [f"#{i} {c.text}" for i, c in enumerate(kept[:10], 1)],
                        metric: [c.value for c in kept[:10]]})
    st.bar_chart(top, x="cohort", y=metric, horizontal=True, sort=False,
                 x_label="", y_label=metric.replace("_", " "))
else:
    st.info("No stored cohort matches these filters.")

st.subheader("Error tree")
st.caption(f"Decision tree of depth at most {s.tree_max_depth} fitted to predict the rows counted in "
           f"the {metric.replace('_', ' ')}; each line: split, rows, value. Bold: worse than all rows.")
nodes = {n.node_id: n for n in analysis.tree_nodes}


def tree_lines(node_id: int, depth: int = 0) -> list[str]:
    n = nodes[node_id]
    worse = n.value == n.value and ((n.value > analysis.overall_value) if s.direction == "highest"
                                    else (n.value < analysis.overall_value))
    text = f"{md_escape(n.condition or 'all rows')}: {n.size:,} rows, {fmt_pct(n.value, 1)}"
    line = "  " * depth + "- " + (f"**{text}**" if worse else text)
    return [line] + [x for c in n.children for x in tree_lines(c, depth + 1)]


if nodes:
    st.markdown("\n".join(tree_lines(0)))
else:
    st.info("No error tree here: it is fitted on rows, and a prediction log's audit sees only "
            "counts.")
st.caption("Leaves as cohorts (tested against the rest; BH over the leaves):")
leaves = [c for c in analysis.leaves if include_sensitive or not c.uses_sensitive]
if leaves:
    st.dataframe(cohort_table(leaves).frame(), hide_index=True)

with st.expander("How these cohorts were found"):
    for note in section.notes:
        st.markdown("- " + md_escape(note))
