"""rai-audit: privacy, fairness and explainability audits for PyTorch models.

``import audit`` stays light: subpackages (``audit.data``, ``audit.training``, ...) are imported
when used, and nothing here imports streamlit or jinja2.
"""

__version__ = "0.2.0"
