"""Building blocks shared by every result section."""

from __future__ import annotations

from pydantic import ConfigDict
from pydantic.dataclasses import dataclass

_CONFIG = ConfigDict(ser_json_inf_nan="strings", extra="forbid")


def schema_dataclass(cls):
    """Decorator for result types: frozen, strict about unknown keys, JSON-safe floats."""
    return dataclass(frozen=True, config=_CONFIG)(cls)


@schema_dataclass
class Interval:
    """A confidence interval ``[low, high]`` at ``level``, computed by ``method``."""

    low: float
    high: float
    level: float = 0.95
    method: str = ""
