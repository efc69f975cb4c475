"""Evaluating a policy's gates on an AuditResult."""

from __future__ import annotations

import math
from pathlib import Path

from pydantic import ValidationError

from audit.core import config_problems
from audit.errors import RaiAuditError
from audit.policy._config import GateConfig, PolicyConfig
from audit.policy._metrics import resolve_metric
from audit.result import AuditResult, GateResult, PolicyResult

_ORDER = {"pass": 0, "warn": 1, "fail": 2}


def _threshold_text(gate: GateConfig) -> str:
    parts = []
    if gate.min is not None:
        parts.append(f">= {gate.min:g}")
    if gate.max is not None:
        parts.append(f"<= {gate.max:g}")
    return " and ".join(parts)


def _clears(value: float, gate: GateConfig) -> bool:
    return ((gate.min is None or value >= gate.min) and (gate.max is None or value <= gate.max))


def evaluate_gate(result: AuditResult, gate: GateConfig, *,
                  missing_metric: str = "fail") -> GateResult:
    """Judge one gate (see :class:`~audit.result.GateResult` for the rules)."""
    name = gate.name or f"{gate.metric} {_threshold_text(gate)}"
    measured = resolve_metric(result, gate.metric)
    if measured is None:
        return GateResult(name=name, metric=gate.metric, threshold=_threshold_text(gate),
                          value=None, interval=None, status=missing_metric,
                          severity=gate.severity,
                          reason="not measured: the audit that produces it was not run")
    value, interval = measured.value, measured.interval
    failed_status = "fail" if gate.severity == "fail" else "warn"
    if math.isnan(value):
        status, reason = failed_status, "undefined for this result" + (
            f" ({measured.description})" if "undefined" in measured.description else "")
    elif not _clears(value, gate):
        status, reason = failed_status, "the measured value is outside the threshold"
    elif gate.require_interval and interval is not None and not (
            _clears(interval.low, gate) and _clears(interval.high, gate)):
        status, reason = "warn", ("the value clears the threshold but its "
                                  f"{interval.level:.0%} interval does not")
    else:
        status = "pass"
        reason = ("the value and its interval clear the threshold"
                  if gate.require_interval and interval is not None
                  else "the value clears the threshold")
    return GateResult(name=name, metric=gate.metric, threshold=_threshold_text(gate),
                      value=value, interval=interval, status=status, severity=gate.severity,
                      reason=reason, description=measured.description)


def evaluate_policy(result: AuditResult, policy: PolicyConfig) -> PolicyResult:
    """Judge every gate; the overall status is the worst one.

    Examples
    --------
    >>> import pandas as pd
    >>> from audit import audit_predictions
    >>> log = pd.DataFrame({"y": [1, 0, 1, 0] * 50, "p": [.9, .4, .3, .2] * 50,
    ...                     "sex": list("FFMM") * 50})
    >>> result = audit_predictions(log, label="y", score="p", sensitive_features=["sex"])
    >>> policy = PolicyConfig(gates=[GateConfig(metric="quality.accuracy", min=0.7)])
    >>> judged = evaluate_policy(result, policy)
    >>> judged.status, judged.gates[0].value, judged.gates[0].reason
    ('warn', 0.75, 'the value clears the threshold but its 95% interval does not')
    """
    gates = tuple(evaluate_gate(result, g, missing_metric=policy.missing_metric)
                  for g in policy.gates)
    status = max((g.status for g in gates), key=_ORDER.__getitem__, default="pass")
    return PolicyResult(gates=gates, status=status)


def load_policy(path: str | Path) -> PolicyConfig:
    """Read a policy YAML file (``gates: [{metric: ..., max: ...}, ...]``)."""
    from audit._yaml import load_yaml

    # strict UTF-8, aliases bounded before they are expanded
    data = load_yaml(path, what="policy YAML file",
                     example="sample_models/census_income/policy.yaml")
    try:
        return PolicyConfig.model_validate(data)
    except ValidationError as exc:
        raise RaiAuditError.from_problems(config_problems(exc, str(path), PolicyConfig)) from None
