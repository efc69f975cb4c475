"""The Streamlit audit dashboard. Start it with ``rai-audit dashboard [PATH]``."""
