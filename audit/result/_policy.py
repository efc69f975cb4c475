"""The policy section: each gate with its measured value, interval and verdict."""

from __future__ import annotations

from typing import Literal

from audit.result._base import Interval, schema_dataclass

GateStatus = Literal["pass", "warn", "fail"]


@schema_dataclass
class GateResult:
    """One gate's verdict.

    ``status`` is ``pass`` when the value (and, if required, its whole interval) clears the
    threshold; ``warn`` when only the point value clears it, or the gate's severity is warn;
    ``fail`` otherwise. ``reason`` says which, in words.
    """

    name: str
    metric: str
    threshold: str
    value: float | None
    interval: Interval | None
    status: GateStatus
    severity: Literal["fail", "warn"]
    reason: str
    description: str = ""


@schema_dataclass
class PolicyResult:
    """Every gate of the policy, and the overall verdict (the worst gate's status)."""

    gates: tuple[GateResult, ...]
    status: GateStatus
