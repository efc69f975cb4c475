"""Named metrics that gates can refer to, read from an AuditResult.

A metric is a function ``fn(result, arg) -> MetricValue | None`` registered under a name;
``name[arg]`` passes ``arg`` (e.g. a sensitive feature or an attack). ``None`` means the
result does not contain it (its audit was not run).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from audit.errors import ConfigError, suggest
from audit.result import AuditResult, Interval


@dataclass(frozen=True)
class MetricValue:
    """A measured value, its interval when known, and what it is."""

    value: float
    interval: Interval | None
    description: str


MetricFn = Callable[[AuditResult, "str | None"], "MetricValue | None"]
_REGISTRY: dict[str, tuple[MetricFn, str]] = {}


def register_metric(name: str, help: str) -> Callable[[MetricFn], MetricFn]:
    """Decorator registering ``fn(result, arg)`` as the gate metric ``name``."""
    def decorate(fn: MetricFn) -> MetricFn:
        if name in _REGISTRY:
            raise ValueError(f"metric {name!r} is already registered")
        _REGISTRY[name] = (fn, help)
        return fn
    return decorate


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
    import audit.counterfactuals._policy_metrics  # noqa: F401  (registers on import)
    import audit.data_privacy._policy_metrics  # noqa: F401  (registers on import)
    import audit.error_analysis._policy_metrics  # noqa: F401
    import audit.policy._builtin_metrics  # noqa: F401  (registers on import)
    import audit.robustness._policy_metrics  # noqa: F401  (registers on import)
    import audit.text_bias._policy_metrics  # noqa: F401  (registers on import)
