"""Config of the fairness audit (the `audits.fairness` block of audit.yaml).

Kept free of heavy imports: `audit.config` imports it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class FairnessAuditConfig(BaseModel):
    """Options of the fairness audit; `enabled: false` skips it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False
