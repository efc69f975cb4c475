"""Explainability: filled in as the explainability audit lands."""

import streamlit as st

st.header("Explainability")
result = st.session_state.get("result")
if result is None:
    st.info("Open a result in the sidebar first.")
    st.stop()
st.info("The explainability audit was not run for this result.")
