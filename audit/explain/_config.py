"""Config of the explainability audit (the `audits.explainability` block of audit.yaml).

Kept free of heavy imports: `audit.config` imports it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ExplainabilityAuditConfig(BaseModel):
    """Options of the explainability audit; `enabled: false` skips it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False
