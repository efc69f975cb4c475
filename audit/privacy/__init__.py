"""Privacy audit."""

from audit.privacy._config import PrivacyAuditConfig

__all__ = ["PrivacyAuditConfig"]
