"""Everything a run can check before training, checked before training.

A config can be valid key by key and still be doomed: ``device: cuda`` on a machine without
CUDA, ``target_epsilon: .inf``, an intersection naming a feature the fairness audit does not
audit, a gate on a metric nobody registered, a feature with more groups than ``max_groups``.
Found after training, each of those costs the training time and (before issue 18) the previous
model folder. Two entry points:

- :func:`check_config` (the config alone; ``parse_config`` calls it, so ``rai-audit validate``
  finds these too): non-finite numbers anywhere, the device, fairness without sensitive
  features, intersections and mitigation features outside the audited ones, unknown gate
  metrics, the privacy-utility epsilons;
- :func:`check_before_training` (the config and the loaded dataset; the runner calls it between
  loading and ``fit``): every named feature exists, every audited partition has at most
  ``max_groups`` groups, and warnings for settings that run but deserve a sentence in the result
  (a DP batch that covers the whole table).

Every problem is gathered and reported together (the opacus validator's way).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import BaseModel

from audit.errors import ConfigError, Problem, raise_problems, suggest

# config and dataset are typed loosely: audit.config calls this module (no cycle back to it)
AuditConfig = Any
TabularDataset = Any


def _floats(model: Any, path: str) -> Iterator[tuple[str, float]]:
    """Every float inside a pydantic config model, with its dotted key path."""
    if isinstance(model, BaseModel):
        for name in type(model).model_fields:
            yield from _floats(getattr(model, name), f"{path}.{name}" if path else name)
    elif isinstance(model, dict):
        for key, value in model.items():
            yield from _floats(value, f"{path}.{key}")
    elif isinstance(model, (list, tuple)):
        for i, value in enumerate(model):
            yield from _floats(value, f"{path}[{i}]")
    elif isinstance(model, float):
        yield path, model


def _fairness_features(config: AuditConfig) -> list[str]:
    fairness = config.audits.fairness
    return list(fairness.sensitive_features or config.data.sensitive_features)


def config_problems(config: AuditConfig, source: str = "config") -> list[Problem]:
    """Problems of ``config`` that need no data (empty list when none)."""
    problems: list[Problem] = []
    for path, value in _floats(config, ""):
        if not math.isfinite(value):
            problems.append(Problem(
                ConfigError, f"{source}: key {path!r}", "a finite number", repr(value),
                "give a finite value (.inf and .nan are not settings: an infinite epsilon or "
                "clipping norm means no privacy at all; leave training.privacy out instead)"))
    from audit._devices import check_device
    from audit.errors import DeviceError

    try:
        check_device(config.training.device)
    except DeviceError as exc:
        problems.extend(exc.problems)
    problems += _fairness_problems(config, source)
    problems += _gate_problems(config, source)
    privacy = config.audits.privacy
    for i, epsilon in enumerate(privacy.utility_curve_epsilons):
        if not (math.isfinite(epsilon) and epsilon > 0):
            problems.append(Problem(
                ConfigError, f"{source}: key 'audits.privacy.utility_curve_epsilons[{i}]'",
                "a positive, finite epsilon", repr(epsilon),
                "list epsilons such as [1, 8] (the non-private model is always added)"))
    return problems


def _fairness_problems(config: AuditConfig, source: str) -> list[Problem]:
    fairness = config.audits.fairness
    if not fairness.enabled:
        return []
    features = _fairness_features(config)
    if not features:
        return [Problem(ConfigError, f"{source}: key 'audits.fairness'",
                        "at least one sensitive feature to audit",
                        "fairness enabled with no sensitive features "
                        "(data.sensitive_features and audits.fairness.sensitive_features empty)",
                        "list the group columns in data.sensitive_features, or set "
                        "audits.fairness.enabled: false")]
    problems = []
    for i, combo in enumerate(fairness.intersections or []):
        for name in combo:
            if name not in features:
                problems.append(Problem(
                    ConfigError, f"{source}: key 'audits.fairness.intersections[{i}]'",
                    f"features among the audited ones {features}", repr(name),
                    "intersect audited sensitive features only." + suggest(name, features)))
    mitigation = fairness.mitigation
    if mitigation.enabled and mitigation.sensitive_feature is not None and (
            mitigation.sensitive_feature not in features):
        problems.append(Problem(
            ConfigError, f"{source}: key 'audits.fairness.mitigation.sensitive_feature'",
            f"one of the audited features {features}", repr(mitigation.sensitive_feature),
            "mitigate for an audited feature." + suggest(mitigation.sensitive_feature, features)))
    return problems


def _gate_problems(config: AuditConfig, source: str) -> list[Problem]:
    if not config.policy.gates:
        return []
    from audit.policy import available_metrics

    registered = available_metrics()
    problems = []
    for i, gate in enumerate(config.policy.gates):
        base = gate.metric.split("[", 1)[0] if gate.metric.endswith("]") else gate.metric
        if base not in registered:
            problems.append(Problem(
                ConfigError, f"{source}: key 'policy.gates[{i}].metric'",
                "a registered metric (`rai-audit metrics` lists them)", repr(gate.metric),
                "fix the metric name." + suggest(base, registered)))
    return problems


def check_config(config: AuditConfig, source: str = "config") -> None:
    """Raise one typed error listing every problem :func:`config_problems` finds."""
    raise_problems(config_problems(config, source))


def _missing(names: Sequence[str], available: Sequence[str], key: str,
             what: str = "a column of the data") -> list[Problem]:
    shown = f"{list(available)}"  # every name: the one meant may be the 13th
    return [Problem(ConfigError, f"config key {key!r}", f"{what} {shown}",
                    repr(name), "fix the name." + suggest(name, available))
            for name in names if name not in available]


def check_before_training(config: AuditConfig, dataset: TabularDataset) -> tuple[str, ...]:
    """Check ``config`` against the loaded ``dataset`` before any training.

    Returns
    -------
    tuple of str
        Warnings to state in the result (the run goes on).

    Raises
    ------
    RaiAuditError
        A typed subclass naming the first problem; the message lists all of them.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from audit.config import load_config
    >>> from audit.data import build_tabular_dataset
    >>> config = load_config("sample_models/census_income/audit.yaml")
    >>> rng = np.random.default_rng(0)
    >>> people = pd.DataFrame({"age": rng.integers(18, 80, 300),
    ...                        "sex": rng.choice(["Female", "Male"], 300),
    ...                        "race": rng.choice(["Black", "White"], 300),
    ...                        "native-country": "United-States",
    ...                        "income": rng.choice(["<=50K", ">50K"], 300)})
    >>> dataset = build_tabular_dataset(people[:200], people[200:], target="income",
    ...                                 sensitive_features=["sex", "race", "age"],
    ...                                 sensitive_bins={"age": [25, 45, 65]})
    >>> check_before_training(config, dataset)  # every audited column is there: no warnings
    ()
    >>> only_sex = build_tabular_dataset(people[:200], people[200:], target="income",
    ...                                  sensitive_features=["sex"])
    >>> try:
    ...     check_before_training(config, only_sex)  # the config's intersections name race
    ... except ConfigError as exc:
    ...     print([(p.where, p.got) for p in exc.problems])
    [("config key 'audits.fairness.intersections'", "'race'"), ("config key 'audits.fairness.intersections'", "'age'")]
    """
    problems = config_problems(config)
    if getattr(dataset.test, "raw", None) is None:  # text data: the audits check their inputs
        raise_problems(problems)
        return tuple(getattr(dataset, "warnings", ()))
    raw = list(dataset.test.raw.columns)
    sensitive = list(dataset.sensitive_features)
    columns = list(dict.fromkeys([*raw, *sensitive]))
    audits = config.audits
    if audits.fairness.enabled:
        problems += _partition_problems(config, dataset)
    if audits.robustness.enabled:
        r = audits.robustness
        problems += _missing(r.sensitive_features or [], sensitive,
                             "audits.robustness.sensitive_features", "one of data.sensitive_features")
        problems += _missing(list(r.numeric_shifts), columns, "audits.robustness.numeric_shifts")
        problems += _missing(r.perturb_features or [], raw, "audits.robustness.perturb_features")
    if audits.counterfactuals.enabled:
        problems += _missing(list(audits.counterfactuals.immutable or ()), raw,
                             "audits.counterfactuals.immutable")
    if audits.error_analysis.enabled:
        problems += _missing(audits.error_analysis.features or [], columns,
                             "audits.error_analysis.features")
    raise_problems(problems)
    return tuple(_warnings(config, dataset))


def _partition_problems(config: AuditConfig, dataset: TabularDataset) -> list[Problem]:
    """Each audited partition exists and has at most ``max_groups`` groups, using the fairness
    module's own encoder so the check and the audit agree."""
    from audit.core import encode_groups
    from audit.errors import RaiAuditError
    from audit.fairness import resolve_partitions

    fairness = config.audits.fairness
    available = list(dataset.sensitive_features)
    features = list(fairness.sensitive_features or available)
    problems = _missing(features, available, "audits.fairness.sensitive_features",
                        "one of data.sensitive_features")
    named = list(dict.fromkeys(c for i in fairness.intersections or [] for c in i))
    problems += _missing(named, available, "audits.fairness.intersections",
                         "one of data.sensitive_features")
    if problems:
        return problems
    frame = dataset.test.sensitive
    for partition in resolve_partitions(available, fairness):
        try:
            encode_groups(frame[list(partition)], nan_policy=fairness.nan_policy,
                          max_groups=fairness.max_groups)
        except RaiAuditError as exc:
            problems.extend(exc.problems)
    return problems


def _warnings(config: AuditConfig, dataset: TabularDataset) -> list[str]:
    warnings = list(dataset.warnings)
    privacy = config.training.privacy
    n = len(dataset.train)
    if privacy is not None and config.training.batch_size >= n:
        warnings.append(
            f"training.batch_size {config.training.batch_size:,} covers the whole training table "
            f"({n:,} rows): the DP-SGD sampling rate is 1.0, so every step sees every row and "
            "subsampling amplifies nothing; use a batch well below the table size")
    return warnings
