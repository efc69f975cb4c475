"""Named metrics that gates can refer to, read from an AuditResult.

A metric is a function ``fn(result, arg) -> MetricValue | None`` registered under a name;
``name[arg]`` passes ``arg`` (e.g. a sensitive feature or an attack). ``None`` means the
result does not contain it (its audit was not run).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from audit.errors import ConfigError, suggest
from audit.result import AuditResult, Interval


@dataclass(frozen=True)
class MetricValue:
    """A measured value, its interval when known, and what it is."""

    value: float
    interval: Interval | None
    description: str


MetricFn = Callable[[AuditResult, "str | None"], "MetricValue | None"]
T = TypeVar("T")
_REGISTRY: dict[str, tuple[MetricFn, str]] = {}


def register_metric(name: str, help: str) -> Callable[[MetricFn], MetricFn]:
    """Decorator registering ``fn(result, arg)`` as the gate metric ``name``."""
    def decorate(fn: MetricFn) -> MetricFn:
        if name in _REGISTRY:
            raise ValueError(f"metric {name!r} is already registered")
        _REGISTRY[name] = (fn, help)
        return fn
    return decorate


def register_worst_metric(name: str, help: str,
                          candidates: Callable[[AuditResult, str | None], Sequence[T]],
                          measure: Callable[[T], MetricValue]) -> MetricFn:
    """Register the gate metric ``name`` as the largest of several measured values.

    Parameters
    ----------
    name, help : str
        As for :func:`register_metric`.
    candidates : callable
        ``candidates(result, arg)``: the items the metric can be measured on (e.g. every
        sensitive feature's gap, or only ``arg``'s); none means the metric is not available.
    measure : callable
        The metric of one item; the item with the largest value is reported (the first on a tie).
    """
    def worst(result: AuditResult, arg: str | None) -> MetricValue | None:
        values = [measure(item) for item in candidates(result, arg)]
        return max(values, key=lambda v: v.value) if values else None

    return register_metric(name, help)(worst)


def available_metrics() -> dict[str, str]:
    """Registered metric names and their one-line help."""
    _load_builtin()
    return {name: help for name, (_, help) in sorted(_REGISTRY.items())}


def parse_metric_name(name: str) -> tuple[str, str | None]:
    """``"a.b[x]"`` -> ``("a.b", "x")``; ``"a.b"`` -> ``("a.b", None)``."""
    if name.endswith("]") and "[" in name:
        base, arg = name[:-1].split("[", 1)
        return base, arg
    return name, None


def resolve_metric(result: AuditResult, name: str) -> MetricValue | None:
    """The value of metric ``name`` in ``result`` (None when the result lacks it).

    Raises
    ------
    ConfigError
        When ``name`` is not a registered metric (with a suggestion).
    """
    _load_builtin()
    base, arg = parse_metric_name(name)
    if base not in _REGISTRY:
        raise ConfigError(f"gate metric {name!r}", f"one of {sorted(_REGISTRY)}",
                          repr(base), "fix the metric name." + suggest(base, _REGISTRY))
    return _REGISTRY[base][0](result, arg)


def _load_builtin() -> None:
    import audit.policy._builtin_metrics  # noqa: F401  (quality metrics register on import)
    from audit.core import load_builtin_audits

    load_builtin_audits()  # each audit's package registers its gate metrics
