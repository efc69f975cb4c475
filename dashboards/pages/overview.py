"""Overview: the run, its data and the model's quality."""

import pandas as pd
import streamlit as st

st.header("Overview")
result = st.session_state.get("result")
if result is None:
    st.info("Open a result: give a result.json or a folder in the sidebar, or upload one. "
            "Create one with `rai-audit run sample_models/census_income/audit.yaml`.")
    st.stop()
m = result.metadata
st.caption(f"{m.run_name} · {m.data.name} · created {m.created_at} · seed {m.seed} · "
           f"rai-audit {m.rai_audit_version} (schema {result.schema_version})")
q = result.quality
if q is not None:
    cols = st.columns(4)
    cols[0].metric("Test accuracy", f"{q.accuracy:.2%}",
                   help=f"95% Wilson CI {q.accuracy_interval.low:.2%}-{q.accuracy_interval.high:.2%}")
    cols[1].metric("ROC AUC", f"{q.roc_auc:.3f}")
    cols[2].metric("Balanced accuracy", f"{q.balanced_accuracy:.2%}")
    cols[3].metric("Test rows", f"{q.n:,}")
    st.subheader("Confusion matrix (test)")
    st.table(pd.DataFrame([[q.confusion.tn, q.confusion.fp], [q.confusion.fn, q.confusion.tp]],
                          index=["true negative class", "true positive class"],
                          columns=["predicted negative", "predicted positive"]))
st.subheader("Model and data card")
st.table(pd.DataFrame({"field": ["intended use", "limitations", "data", "licence", "sensitive features",
                                 "rows (train / validation / test)", "model"],
                       "value": [m.card.intended_use or "not stated", m.card.limitations or "not stated",
                                 m.data.source, m.data.license or "not stated",
                                 ", ".join(m.data.sensitive_features),
                                 f"{m.data.n_train:,} / {m.data.n_validation:,} / {m.data.n_test:,}",
                                 f"{m.model.kind}, {m.model.n_parameters:,} parameters"]}).set_index("field"))
