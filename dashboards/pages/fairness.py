"""Fairness: which group is harmed, by how much, how sure we are, and what mitigation costs.

Presents ``result.fairness``; the only computation (what-if thresholds) is a library call on
counts saved in the result.
"""

from pathlib import Path

import pandas as pd
import streamlit as st

from audit.fairness import DisparityThresholds, tracked_frame, what_if_thresholds
from dashboards._state import load_for_display, md_escape, section_or_stop
from reports.sections.fairness import disparity_table, dp_cost_table, group_table, mitigation_table


def group_frame(partition, with_intervals: bool = True) -> pd.DataFrame:
    """The report's group metric table of ``partition``, indexed by group."""
    frame = group_table(partition)["table"].frame().set_index("group")
    return frame if with_intervals else frame[[c for c in frame if not c.endswith(" CI")]]


def _interval(iv) -> str:
    return "" if iv is None or iv.low != iv.low else f"[{iv.low:.3f}, {iv.high:.3f}]"


def window_frame(windows, name: str) -> pd.DataFrame | None:
    """One row per (window, disparity) of the partition ``name``: value, interval, verdict."""
    rows = []
    for w in windows:
        part = next((p for p in w.partitions if p.name == name), None)
        if part is None:
            return None
        for d in part.disparities:
            if d.kind == "difference":
                rows.append({"window": w.window, "measure": d.name.replace("_", " "),
                             "value": d.value, "interval": _interval(d.interval),
                             "verdict": d.verdict, "rows": w.n_rows})
    return pd.DataFrame(rows)


def window_rates(windows, name: str) -> pd.DataFrame:
    """Selection rate of each group per window (windows as the index)."""
    rows = {}
    for w in windows:
        part = next(p for p in w.partitions if p.name == name)
        rows[w.window] = {g.group: g.metrics["selection_rate"].value for g in part.groups}
    return pd.DataFrame.from_dict(rows, orient="index")


st.header("Fairness")
result, section = section_or_stop(
    "fairness", "The fairness audit was not run for this result (set audits.fairness.enabled: true).")

st.caption(md_escape(
    f"{section.split} split, {section.n_rows:,} rows, "
    + (f"threshold {section.threshold} on the probability of {section.positive_label}"
       if section.threshold == section.threshold else
       f"logged decisions, favourable outcome {section.positive_label}")
    + f"; {section.confidence_level:.0%} bootstrap "
    f"intervals ({section.bootstrap_replicates} replicates); groups under "
    f"{section.min_group_size} rows are flagged small."))

st.subheader("Reading")
st.markdown("\n".join(f"- {md_escape(line)}" for line in section.reading))

st.subheader("Disparities")
disparities = disparity_table(section.partitions).frame()
n_fail = int((disparities["verdict"].str.startswith("fail")).sum())
st.metric("Disparity checks failing", f"{n_fail} of {len(disparities)}")
st.dataframe(disparities, hide_index=True)
st.caption("Worst / best group: lowest / highest rate on the rate that sets the disparity "
           "(selection rate, TPR or FPR): the group predicted favourable least / most often.")

names = [p.name for p in section.partitions]
choice = st.selectbox("Features", names, key="fairness_partition")
partition = section.partitions[names.index(choice)]

st.subheader("Group metrics")
st.dataframe(group_frame(partition))
undefined = [(g.group, m, v.undefined_reason) for g in partition.groups
             for m, v in g.metrics.items() if v.undefined_reason]
if undefined:
    with st.expander(f"{len(undefined)} undefined metric(s), and why"):
        st.dataframe(pd.DataFrame(undefined, columns=["group", "metric", "reason"]),
                     hide_index=True)

if len(partition.features) == 2:
    st.subheader("Intersectional heatmap")
    metric = st.selectbox("Metric", ["selection_rate", "true_positive_rate", "accuracy"],
                          key="fairness_heatmap_metric")
    cells = pd.DataFrame([{"row": g.labels[0], "col": g.labels[1], "value": g.metrics[metric].value}
                          for g in partition.groups])
    st.dataframe(cells.pivot(index="row", columns="col", values="value")
                 .style.format("{:.3f}", na_rep="undefined").background_gradient(axis=None))

curves = [(g.group, x, y) for g in partition.groups if g.reliability is not None
          for x, y in zip(g.reliability.mean_predicted, g.reliability.fraction_positive)]
if curves:
    st.subheader("Calibration by group")
    frame = pd.DataFrame(curves, columns=["group", "mean predicted", "observed positive rate"])
    st.scatter_chart(frame, x="mean predicted", y="observed positive rate", color="group")

if section.windows:
    st.subheader(f"Over time (per {section.window})")
    over_time = window_frame(section.windows, partition.name)
    if over_time is None:
        st.info("These features are not measured per window.")
    else:
        st.line_chart(over_time.pivot(index="window", columns="measure", values="value"),
                      x_label=section.window, y_label="disparity")
        rates = window_rates(section.windows, partition.name)
        st.line_chart(rates, x_label=section.window, y_label="selection rate by group")
        latest = section.windows[-1]
        st.caption(md_escape(f"Latest {section.window}: {latest.window} ({latest.start} to "
                             f"{latest.end}, {latest.n_rows:,} rows); gates named "
                             "fairness.latest_window.* judge it."))
        st.dataframe(disparity_table([p for p in latest.partitions if p.name == partition.name])
                     .frame(), hide_index=True)
        with st.expander("Every window's disparities with intervals"):
            st.dataframe(over_time, hide_index=True)

st.subheader("During training")
tracked = tracked_frame(result.history)
columns = [c for c in tracked.columns if c.endswith(f"[{partition.name}]")
           or f"[{partition.name}=" in c]
if columns:
    accuracy = tracked[[c for c in columns if "/accuracy[" in c]]
    accuracy.columns = [c.split("=", 1)[1][:-1] for c in accuracy.columns]  # the group
    st.line_chart(accuracy, x_label="epoch", y_label="validation accuracy by group")
    gaps = tracked[[c for c in columns if "difference" in c]]
    gaps.columns = [c[len("fairness/"):c.index("[")].replace("_", " ") for c in gaps.columns]
    st.line_chart(gaps, x_label="epoch", y_label="disparity")
    others = [p for p in st.session_state.get("result_files", []) if isinstance(p, Path)]
    other = st.selectbox("Compare with another run (e.g. private vs non-private)",
                         [None, *others], format_func=lambda p: "none" if p is None else str(p),
                         key="fairness_compare")
    if other is not None:
        loaded = load_for_display(other)
        if isinstance(loaded, str):
            st.error(loaded)
        else:
            theirs = tracked_frame(loaded.history)
            keep = [c for c in columns if "difference" in c and c in theirs]
            both = pd.concat({"this run": tracked[keep], "other run": theirs[keep]}, axis=1)
            both.columns = [f"{a}: {b[len('fairness/'):b.index('[')].replace('_', ' ')}"
                            for a, b in both.columns]
            st.line_chart(both, x_label="epoch", y_label="disparity")
else:
    st.info("No per-epoch fairness was recorded for these features.")

st.subheader("What if the threshold moved?")
if partition.histogram is None:
    st.info("This result holds no score histogram for these features.")
else:
    step = 1 / (len(partition.histogram.bin_edges) - 1)
    threshold = st.slider("Threshold for every group", 0.0, 1.0, float(section.threshold),
                          step=step, key="fairness_whatif_threshold")
    per_group = {g.group: threshold for g in partition.groups}
    if st.checkbox("Set a threshold per group", key="fairness_whatif_per_group"):
        for i, g in enumerate(partition.groups):
            per_group[g.group] = st.number_input(
                md_escape(g.group), 0.0, 1.0, float(threshold), step=step,
                key=f"fairness_whatif_{partition.name}_{i}")
    limits = DisparityThresholds(**{d.name: d.limit for d in partition.disparities})
    moved = what_if_thresholds(partition, per_group, limits=limits)
    st.dataframe(group_frame(moved, with_intervals=False)[
        ["n", "Selection rate", "TPR", "FPR", "Accuracy"]])
    st.dataframe(disparity_table([moved]).frame()[["measure", "value", "limit", "verdict"]],
                 hide_index=True)
    st.caption("Point estimates from the saved per-group score histogram (exact on its bin "
               "edges); rerun the audit for intervals.")

privacy = getattr(result, "privacy", None)
cost = getattr(privacy, "group_dp_cost", None)
if cost is not None:
    st.subheader("Accuracy cost of DP per group, beside its privacy risk")
    dp_cost = dp_cost_table(privacy)
    if dp_cost:
        st.caption(md_escape(
            f"Accuracy without DP minus with DP on each group's test rows (non-private twin: "
            f"{cost.twin}); {cost.confidence_level:.0%} paired bootstrap intervals; attack "
            "columns: the membership attack's success on the group."))
        st.dataframe(dp_cost.frame(), hide_index=True)
    else:
        st.info(md_escape(f"Not measured: {cost.undefined_reason}."))

st.subheader("Mitigation")
if not section.mitigation:
    st.info("No mitigation was tried (set audits.fairness.mitigation.enabled: true).")
else:
    mitigation = mitigation_table(section)
    st.dataframe(mitigation.frame(), hide_index=True)
    pick = st.selectbox("Before/after by group", [m.method for m in section.mitigation],
                        key="fairness_mitigation")
    chosen = next(m for m in mitigation if m["method"] == pick)
    st.dataframe(chosen["groups"].frame(), hide_index=True)
    if chosen["note"]:
        st.caption(md_escape(chosen["note"]))
