"""Config of the privacy audit (the `audits.privacy` block of audit.yaml).

Kept free of heavy imports: `audit.config` imports it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class PrivacyAuditConfig(BaseModel):
    """Options of the privacy audit; `enabled: false` skips it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False
