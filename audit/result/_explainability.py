"""The explainability section of an :class:`~audit.result.AuditResult`."""

from __future__ import annotations

from audit.result._base import Interval, schema_dataclass  # noqa: F401


@schema_dataclass
class ExplainabilitySection:
    """Results of the explainability audit (filled in by :mod:`audit.explainability`)."""

    notes: tuple[str, ...] = ()
