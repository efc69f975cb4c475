"""Fairness: filled in as the fairness audit lands."""

import streamlit as st

st.header("Fairness")
result = st.session_state.get("result")
if result is None:
    st.info("Open a result in the sidebar first.")
    st.stop()
st.info("The fairness audit was not run for this result.")
