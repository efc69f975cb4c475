"""The ground floor of rai-audit: the audit contract and its registry.

Imports no concern; every concern imports it.
"""

from audit.core._config import StrictConfig
from audit.core._contract import MODALITIES, Audit, AuditContext, Modality, Phase
from audit.core._registry import (
    BUILTIN_AUDIT_PACKAGES,
    get_audit,
    load_builtin_audits,
    register_audit,
    registered_audits,
    registry_version,
    run_order,
    unregister_audit,
)

__all__ = [
    "BUILTIN_AUDIT_PACKAGES",
    "MODALITIES",
    "Audit",
    "AuditContext",
    "Modality",
    "Phase",
    "StrictConfig",
    "get_audit",
    "load_builtin_audits",
    "register_audit",
    "registered_audits",
    "registry_version",
    "run_order",
    "unregister_audit",
]
