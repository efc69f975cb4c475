"""Training history, epoch by epoch: loss, accuracy, and what the audits tracked per epoch."""

import re

import altair as alt
import pandas as pd
import streamlit as st

from dashboards._state import md_escape, open_result

MAX_AUDIT_CHARTS = 48
_QUALIFIED = re.compile(r"^(?P<base>[^\[]+)\[(?P<qualifier>.*)\]$")

st.header("Training")
result = open_result()
if not result.history:
    st.info("No per-epoch history was recorded in this run.")
    st.stop()
frame = pd.DataFrame([{"epoch": r.epoch, **r.metrics} for r in result.history]).set_index("epoch")


def epoch_chart(lines: dict[str, str], y_title: str) -> alt.Chart:
    """One line (with points) per ``{label: column}``; the y axis fits the data, not 0."""
    long = (frame[list(lines.values())].rename(columns={c: label for label, c in lines.items()})
            .reset_index().melt("epoch", var_name="series", value_name="value").dropna())
    return (alt.Chart(long).mark_line(point=True)
            .encode(x=alt.X("epoch:Q", title="epoch", axis=alt.Axis(tickMinStep=1, format="d")),
                    y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False)),
                    color=alt.Color("series:N", title=None,
                                    legend=alt.Legend(orient="bottom", columns=4, labelLimit=220)),
                    tooltip=["epoch:Q", "series:N", alt.Tooltip("value:Q", format=".4f")])
            .properties(height=280))


def audit_groups(columns) -> dict[str, dict[str, str]]:
    """``concern/metric[feature=group]`` columns grouped into one chart per metric and feature."""
    groups: dict[str, dict[str, str]] = {}
    for column in columns:
        match = _QUALIFIED.match(column)
        if match is None:
            title, label = column, column
        elif "=" in match["qualifier"]:
            feature, label = match["qualifier"].split("=", 1)
            title = f"{match['base']} by {feature}"
        else:
            title, label = match["base"], match["qualifier"]
        groups.setdefault(title, {})[label] = column
    return groups


loss_columns = [c for c in frame.columns if c.endswith("loss")]
accuracy_columns = [c for c in frame.columns if c.endswith("accuracy")]
left, right = st.columns(2)
if loss_columns:
    left.subheader("Loss")
    left.altair_chart(epoch_chart({c: c for c in loss_columns}, "cross-entropy loss"), width="stretch")
if accuracy_columns:
    right.subheader("Accuracy")
    right.altair_chart(epoch_chart({c: c for c in accuracy_columns}, "accuracy"), width="stretch")
st.caption(f"{len(frame)} epochs recorded. The y axes fit the data; they do not start at zero.")

others = [c for c in frame.columns
          if c not in loss_columns and c not in accuracy_columns and c != "epoch/seconds"]
groups = audit_groups(others)
if groups:
    st.subheader("Tracked by the audits during training")
    titles = list(groups)[:MAX_AUDIT_CHARTS]
    if len(groups) > MAX_AUDIT_CHARTS:
        st.caption(f"The first {MAX_AUDIT_CHARTS} of {len(groups)} series; every value is in the "
                   "table below.")
    for row_start in range(0, len(titles), 2):
        for column, title in zip(st.columns(2), titles[row_start:row_start + 2]):
            column.markdown(f"**{md_escape(title)}**")
            y_title = title.split("/")[-1].split(" by ")[0].replace("_", " ")
            column.altair_chart(epoch_chart(groups[title], y_title), width="stretch")

st.subheader("All recorded metrics")
st.dataframe(frame, width="stretch")
