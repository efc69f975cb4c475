"""rai-audit: privacy, fairness and explainability audits for PyTorch models.

``import audit`` stays light: subpackages (``audit.data``, ``audit.training``, ...) are imported
when used, and nothing here imports streamlit or jinja2. :func:`audit.audit_model` (audit a
model trained anywhere) and :func:`audit.write_outputs` (its result, report and model card)
are imported on first use.
"""

from audit._lazy import lazy_names

__version__ = "0.2.0"

__all__ = ["__version__", "audit_model", "audit_predictions", "write_outputs"]

# imported when first used (audit_predictions needs narwhals and pandas; audit_model torch)
__getattr__, __dir__ = lazy_names(__name__, {"audit_model": "api", "write_outputs": "api",
                                             "audit_predictions": "predictions"}, __all__)
