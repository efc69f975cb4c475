"""Policy gates: thresholds on audit metrics that decide pass / warn / fail (CI exit codes)."""

from audit.policy._config import GateConfig, PolicyConfig
from audit.policy._evaluate import evaluate_gate, evaluate_policy, load_policy
from audit.policy._metrics import (
    MetricValue,
    available_metrics,
    register_metric,
    register_worst_metric,
    resolve_metric,
)
from audit.result import GateResult, PolicyResult

__all__ = [
    "GateConfig",
    "GateResult",
    "MetricValue",
    "PolicyConfig",
    "PolicyResult",
    "available_metrics",
    "evaluate_gate",
    "evaluate_policy",
    "load_policy",
    "register_metric",
    "register_worst_metric",
    "resolve_metric",
]
