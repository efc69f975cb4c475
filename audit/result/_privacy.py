"""The privacy section of an :class:`~audit.result.AuditResult`."""

from __future__ import annotations

from audit.result._base import Interval, schema_dataclass  # noqa: F401


@schema_dataclass
class PrivacySection:
    """Results of the privacy audit (filled in by :mod:`audit.privacy`)."""

    notes: tuple[str, ...] = ()
