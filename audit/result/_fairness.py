"""The fairness section of an :class:`~audit.result.AuditResult`."""

from __future__ import annotations

from audit.result._base import Interval, schema_dataclass  # noqa: F401


@schema_dataclass
class FairnessSection:
    """Results of the fairness audit (filled in by :mod:`audit.fairness`)."""

    notes: tuple[str, ...] = ()
