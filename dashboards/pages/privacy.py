"""Privacy: the formal guarantee beside the measured leakage, per group, and the price of DP."""

import math

import altair as alt
import pandas as pd
import streamlit as st

from audit.privacy import risk_table
from dashboards._state import md_escape, section_or_stop
from reports.sections.privacy import (
    CHECKPOINT_MEANINGS,
    attack_table,
    checkpoint_table,
    group_table,
    utility_table,
)

st.header("Privacy")
result, section = section_or_stop(
    "privacy", "The privacy audit was not run for this result. Enable it with "
    "`audits: privacy: enabled: true` (and `training: privacy:` for DP-SGD).")

spend, membership = section.spend, section.membership
cols = st.columns(3)
if spend is not None:
    cols[0].metric("Formal epsilon (upper bound)", f"{spend.epsilon:.3f}",
                   help=f"at delta {spend.delta:g}, {spend.accountant.upper()} accountant")
    cols[1].metric("Noise multiplier / clip", f"{spend.noise_multiplier:.3f} / {spend.max_grad_norm:g}",
                   help=f"sample rate {spend.sample_rate:.5f}, {spend.steps} steps, "
                        f"{spend.grad_sample_mode} per-example gradients")
else:
    cols[0].metric("Formal epsilon", "∞", help="trained without differential privacy")
if membership is not None and membership.empirical_epsilon is not None:
    lower = membership.empirical_epsilon.epsilon_lower_bound
    cols[2].metric("Measured epsilon (lower bound)", f"{lower:.3f}",
                   help=f"proved by {membership.empirical_epsilon_attack} at "
                        f"{membership.confidence_level:.0%} confidence")
    if spend is not None and lower > spend.epsilon:
        st.error("An attack proves more leakage than the accountant allows: the DP "
                 "implementation or its accounting is broken.")
for note in section.notes:
    st.write(note)

history = [r for r in result.history if "privacy/epsilon" in r.metrics]
if history:
    st.subheader("Epsilon spent per epoch")
    frame = pd.DataFrame([{"epoch": r.epoch, **{k.split("[")[1].rstrip("]").upper(): v
                                                for k, v in r.metrics.items()
                                                if k.startswith("privacy/epsilon[")}}
                          for r in history]).set_index("epoch")
    st.line_chart(frame, x_label="epoch", y_label="epsilon")

checkpoints = checkpoint_table(section)
if checkpoints:
    st.subheader("Privacy bounds per checkpoint")
    st.caption(md_escape(f"After each epoch, at delta {spend.delta:g}: upper bounds "
                         "(accountants) beside lower bounds (attacks, canaries)."))
    st.dataframe(checkpoints.frame(), hide_index=True)
    st.markdown("\n".join(f"- {md_escape(sentence)}" for sentence in CHECKPOINT_MEANINGS))

if membership is not None:
    st.subheader(f"Membership inference ({membership.n_members:,} members, "
                 f"{membership.n_nonmembers:,} non-members)")
    st.dataframe(attack_table(membership, spend).frame().set_index("attack"))
    floor = 1.0 / (10 * max(membership.n_nonmembers, 1))
    curves = [{"attack": name, "FPR": max(f, floor), "TPR": max(t, floor)}
              for name, attack in membership.attacks.items()
              for f, t in zip(attack.roc.fpr, attack.roc.tpr)]
    roc = pd.DataFrame(curves)
    chart = alt.Chart(roc).mark_line().encode(
        x=alt.X("FPR", scale=alt.Scale(type="log"), title="false positive rate (log)"),
        y=alt.Y("TPR", scale=alt.Scale(type="log"), title="true positive rate (log)"),
        color="attack")
    diagonal = alt.Chart(pd.DataFrame({"FPR": [floor, 1.0], "TPR": [floor, 1.0]})).mark_line(
        strokeDash=[4, 4], color="grey").encode(x="FPR", y="TPR")
    st.altair_chart(chart + diagonal, use_container_width=True)

    features = sorted({f for attack in membership.attacks.values() for f in attack.per_group})
    if features:
        st.subheader("Attack success per sensitive group")
        feature = st.selectbox("Sensitive feature", features)
        st.dataframe(group_table(membership, feature).frame(), hide_index=True)

    risk = risk_table(membership.group_risk)
    if risk:
        st.subheader(f"Privacy risk per group and intersection ({risk[0]['attack']} attack), "
                     "beside accuracy")
        st.dataframe(pd.DataFrame(risk), hide_index=True)

if section.canary_audit is not None:
    canary = section.canary_audit
    st.subheader(f"One-run canary audit ({canary.mode.replace('_', '-')})")
    st.metric("epsilon lower bound", f"{canary.epsilon_lower_bound:.3f}",
              help=f"{canary.m} canaries ({canary.canary}); {canary.n_correct} of "
                   f"{canary.n_guesses} pre-registered guesses right at "
                   f"{canary.confidence_level:.0%} confidence, delta {canary.delta:g}; at most "
                   f"{canary.max_provable:.3f} could be proved")
    if canary.consistent is False:
        st.error("The canary bound exceeds the accountant's epsilon: the DP implementation "
                 "or its accounting is broken.")

if section.utility_curve:
    st.subheader("Privacy-utility curve")
    st.dataframe(utility_table(section.utility_curve).frame(), hide_index=True)
    finite = pd.DataFrame([{"epsilon": p.epsilon, "accuracy": p.accuracy,
                            "worst group accuracy": p.worst_group_accuracy}
                           for p in section.utility_curve if math.isfinite(p.epsilon)])
    if not finite.empty:
        st.line_chart(finite.set_index("epsilon"), x_label="epsilon", y_label="accuracy")
