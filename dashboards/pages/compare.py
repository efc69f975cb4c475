"""Compare runs: a table of runs and the privacy-utility-fairness frontier (epsilon vs accuracy
vs disparity). The numbers come from :func:`audit.compare.compare_runs`; this page only formats."""

import math
import os
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from audit.compare import DISPARITY_METRIC, compare_runs, frontier_points
from dashboards._state import describe, fmt_num, fmt_pct, load_for_display, md_escape

NOT_RUN = "not run"
MAX_DEFAULT = 6  # runs selected when the page opens
CHART_HEIGHT = 420

st.header("Compare runs")
files = list(st.session_state.get("result_files") or [])
if not files:
    st.info("Open a results folder in the sidebar: a folder searched for result.json files "
            "(each `rai-audit run` writes one), or run the samples on *Run sample audits*.")
    st.stop()

common = Path(os.path.commonpath([str(f) for f in files]))
selected = st.multiselect("Runs to compare", files, default=files[:MAX_DEFAULT],
                          format_func=lambda p: describe(p, common),
                          help="result.json files found in the results folder of the sidebar.")
if not selected:
    st.info("Choose one or more runs above.")
    st.stop()

results, labels = [], []
for path in selected:
    loaded = load_for_display(path)
    if isinstance(loaded, str):
        st.warning(f"Left out {md_escape(describe(path, common))}: {md_escape(loaded)}")
        continue
    results.append(loaded)
    labels.append(describe(path, common))
if not results:
    st.stop()
summaries = compare_runs(results)


def _interval(low, high, fmt) -> str:
    return f" [{fmt(low)}, {fmt(high)}]" if low is not None and high is not None else ""


def _epsilon(s) -> str:
    if s.epsilon is None:
        return "unknown (no privacy spend recorded)"
    if math.isinf(s.epsilon):
        return "∞ (non-private)"
    return f"{s.epsilon:.3g} (δ={s.delta:g}, {s.accountant.upper()})"


def _accuracy(s) -> str:
    if s.accuracy is None:
        return NOT_RUN
    return fmt_pct(s.accuracy) + _interval(s.accuracy_low, s.accuracy_high, fmt_pct)


def _attack(s) -> str:
    if s.attack_auc is None:
        return NOT_RUN
    return (fmt_num(s.attack_auc) + _interval(s.attack_auc_low, s.attack_auc_high, fmt_num)
            + (f" ({s.attack})" if s.attack else ""))


def _disparity(s) -> str:
    if s.disparity is None:
        return NOT_RUN
    return fmt_num(s.disparity) + (f" ({s.disparity_partition})" if s.disparity_partition else "")


def _worst_group(s) -> str:
    if s.worst_group_accuracy is None:
        return NOT_RUN
    return fmt_pct(s.worst_group_accuracy) + (f" ({s.worst_group})" if s.worst_group else "")


# Cells of st.dataframe are plain text (never markdown), so names need no escaping here.
table = pd.DataFrame([{
    "run": s.name, "file": label, "created": s.created_at, "private": "yes" if s.private else "no",
    "epsilon": _epsilon(s), "test accuracy [95% CI]": _accuracy(s),
    "strongest attack AUC [CI]": _attack(s),
    f"worst {DISPARITY_METRIC.replace('_', ' ')}": _disparity(s),
    "worst-group accuracy": _worst_group(s),
    "utility-curve points": len(s.utility_curve),
} for s, label in zip(summaries, labels)])
st.subheader(f"{len(summaries)} run{'s' if len(summaries) != 1 else ''}")
st.dataframe(table, hide_index=True, width="stretch")
st.caption("Epsilon: the formal DP guarantee (∞ when trained without DP). Attack AUC: the best "
           "membership-inference attack (0.5 = no leakage). Disparity: the largest demographic "
           "parity difference over the sensitive features and their intersections. "
           "\"not run\": that audit was not part of the run.")

points = frontier_points(summaries, labels)
st.subheader("Privacy-utility-fairness frontier")
if not points:
    st.info("None of these runs has both a test accuracy and an epsilon to draw.")
    st.stop()
frame = pd.DataFrame([{
    "run": p.run, "source": p.source, "x": p.plot_epsilon,
    "epsilon": "∞ (non-private)" if math.isinf(p.epsilon) else f"{p.epsilon:.3g}",
    "accuracy": p.accuracy,
    "disparity": None if math.isnan(p.disparity) else p.disparity,
    "attack AUC": None if math.isnan(p.attack_auc) else p.attack_auc,
} for p in points])
edge = [p.plot_epsilon for p in points if math.isinf(p.epsilon)]
tooltip = ["run", "source", "epsilon", alt.Tooltip("accuracy", format=".2%"),
           alt.Tooltip("disparity", format=".3f"), alt.Tooltip("attack AUC", format=".3f")]
x = alt.X("x:Q", scale=alt.Scale(type="log"),
          title="formal epsilon (log scale; non-private runs at the right edge)")
y = alt.Y("accuracy:Q", scale=alt.Scale(zero=False), title="test accuracy",
          axis=alt.Axis(format="%"))
base = alt.Chart(frame)
lines = base.mark_line(opacity=0.4).encode(x=x, y=y, detail="run:N", color=alt.value("grey"))
measured = base.transform_filter("isValid(datum.disparity)").mark_point(
    filled=True, size=140, stroke="black", strokeWidth=0.5).encode(
    x=x, y=y, shape=alt.Shape("source:N", title="point"),
    color=alt.Color("disparity:Q", title="DP difference", scale=alt.Scale(scheme="orangered")),
    tooltip=tooltip)
unmeasured = base.transform_filter("!isValid(datum.disparity)").mark_point(
    size=140, color="grey").encode(x=x, y=y, shape=alt.Shape("source:N", title="point"),
                                   tooltip=tooltip)
names = base.mark_text(align="left", dx=9, dy=-9, fontSize=11).transform_filter(
    "datum.source == 'run'").encode(x=x, y=y, text="run:N")
layers = [lines, unmeasured, measured, names]
if edge:
    marker = pd.DataFrame({"x": [edge[0]], "accuracy": [frame["accuracy"].min()],
                           "label": ["non-private (ε = ∞)"]})
    layers.append(alt.Chart(marker).mark_rule(strokeDash=[4, 4], color="grey").encode(x=x))
    layers.append(alt.Chart(marker).mark_text(align="right", dx=-5, baseline="bottom",
                                              color="grey").encode(x=x, y=y, text="label:N"))
st.altair_chart(alt.layer(*layers).properties(height=CHART_HEIGHT), width="stretch")
st.caption("Each run is a labelled point; its privacy-utility curve (models retrained at other "
           "epsilons, when the run computed one) joins it by a grey line. Colour: demographic "
           "parity difference (darker = less fair; grey = not measured). Higher and to the left "
           "is better.")
