"""Privacy: filled in as the privacy audit lands."""

import streamlit as st

st.header("Privacy")
result = st.session_state.get("result")
if result is None:
    st.info("Open a result in the sidebar first.")
    st.stop()
st.info("The privacy audit was not run for this result.")
