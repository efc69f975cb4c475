"""Overview: the run, its data and the model's quality."""

import streamlit as st

from dashboards._state import fmt_num, fmt_pct, md_escape

st.header("Overview")
result = st.session_state.get("result")
if result is None:
    st.info("Open a result: give a result.json or a folder in the sidebar, or upload one. "
            "Create one with `rai-audit run sample_models/census_income/audit.yaml`.")
    st.stop()
m = result.metadata
st.caption(" · ".join(md_escape(part) for part in (
    m.run_name, m.data.name, f"created {m.created_at}", f"seed {m.seed}",
    f"rai-audit {m.rai_audit_version} (schema {result.schema_version})")))

if result.content_check == "edited":
    st.error("This result.json was edited after rai-audit wrote it (its content hash does not "
             "match): its numbers may not be the ones the audit computed. Regenerate it with "
             "`rai-audit run`.")
for warning in m.warnings:
    st.warning(md_escape(warning))

q = result.quality
t = m.training
if q is not None:
    cols = st.columns(4)
    cols[0].metric("Test accuracy", fmt_pct(q.accuracy),
                   help=f"95% Wilson interval {fmt_pct(q.accuracy_interval.low)} to "
                        f"{fmt_pct(q.accuracy_interval.high)} on {q.n:,} {q.split} rows.")
    cols[1].metric("ROC AUC", fmt_num(q.roc_auc), help="Threshold-free ranking quality.")
    cols[2].metric("Balanced accuracy", fmt_pct(q.balanced_accuracy),
                   help=f"Mean of the true positive and true negative rates at threshold {q.threshold}.")
    cols[3].metric("Test rows", f"{q.n:,}")
else:
    st.info("Model quality was not evaluated in this run.")

if m.log is not None:
    log = m.log
    st.caption(md_escape(
        f"Prediction log ({log.source}) read by {log.engine}: {log.n_rows:,} rows; "
        f"{log.rows_collected:,} counts rows reached the driver in {len(log.queries)} aggregates"
        + (f"; {log.timestamp} from {log.first_timestamp} to {log.last_timestamp}, per "
           f"{log.window}" if log.timestamp else "") + "."))
elif t.audited_as_given:
    st.caption(md_escape(t.note))
else:
    st.caption(md_escape(
        f"Trained {t.epochs_completed} of {t.epochs} epochs in {t.seconds:.1f} s on {t.device}, "
        f"{'DP-SGD' if t.private else 'non-private'}, {t.optimizer} with learning rate "
        f"{t.learning_rate}, batch {t.batch_size}"
        + (f"; stopped early: {t.stop_reason}" if t.stopped_early else "") + "."))

concerns = {name: getattr(result, name, None) for name in ("privacy", "fairness", "explainability")}
st.caption(md_escape("Audits in this result: " + ", ".join(
    f"{name} {'ran' if section is not None else 'not run'}" for name, section in concerns.items())))

import pandas as pd  # noqa: E402 (after the headline metrics, so they show sooner)

if q is not None:
    st.subheader(f"Confusion matrix ({q.split}, threshold {q.threshold})")
    positive = str(m.data.positive_label)
    c = q.confusion
    st.table(pd.DataFrame(
        [[f"{c.tn:,}", f"{c.fp:,}"], [f"{c.fn:,}", f"{c.tp:,}"]],
        index=[f"true: other (not {positive})", f"true: {positive}"],
        columns=["predicted other", f"predicted {positive}"]))

st.subheader("Model and data card")
card = m.card
st.table(pd.DataFrame({
    "field": ["intended use", "out-of-scope use", "limitations", "ethical considerations", "owners",
              "data", "licence", "target", "sensitive features", "rows (train / validation / test)",
              "model"],
    "value": [card.intended_use or "not stated", card.out_of_scope_use or "not stated",
              card.limitations or "not stated", card.ethical_considerations or "not stated",
              card.owners or "not stated", m.data.source, m.data.license or "not stated",
              f"{m.data.target} = {m.data.positive_label}", ", ".join(m.data.sensitive_features),
              f"{m.data.n_train:,} / {m.data.n_validation:,} / {m.data.n_test:,}",
              f"{m.model.kind}, {m.model.n_parameters:,} parameters"],
}).set_index("field"))
