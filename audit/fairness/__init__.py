"""Fairness audit."""

from audit.fairness._config import FairnessAuditConfig

__all__ = ["FairnessAuditConfig"]
