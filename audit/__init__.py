"""rai-audit: privacy, fairness and explainability audits for PyTorch models.

``import audit`` stays light: subpackages (``audit.data``, ``audit.training``, ...) are imported
when used, and nothing here imports streamlit or jinja2.
"""

__version__ = "0.2.0"

from audit._lazy import lazy_names as _lazy_names

# ``audit.audit_predictions`` is imported when first used (it needs narwhals and pandas).
__getattr__, _ = _lazy_names(__name__, {"audit_predictions": "predictions"},
                             ["__version__", "audit_predictions"])
