"""Training history, epoch by epoch."""

import pandas as pd
import streamlit as st

st.header("Training")
result = st.session_state.get("result")
if result is None:
    st.info("Open a result in the sidebar first.")
    st.stop()
if not result.history:
    st.info("No per-epoch history was recorded in this run.")
    st.stop()
frame = pd.DataFrame([{"epoch": r.epoch, **r.metrics} for r in result.history]).set_index("epoch")
loss_columns = [c for c in frame.columns if c.endswith("loss")]
if loss_columns:
    st.subheader("Loss")
    st.line_chart(frame[loss_columns], x_label="epoch", y_label="cross-entropy")
if "val/accuracy" in frame:
    st.subheader("Validation accuracy")
    st.line_chart(frame[["val/accuracy"]], x_label="epoch", y_label="accuracy")
st.subheader("All recorded metrics")
st.dataframe(frame)
