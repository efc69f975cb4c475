"""Explainability audit."""

from audit.explain._config import ExplainabilityAuditConfig

__all__ = ["ExplainabilityAuditConfig"]
