"""The explainability section of an :class:`~audit.result.AuditResult`.

Attributions are in units of the explained output (``ExplainabilitySection.output``, e.g. the
log-odds of the positive label) and are summed over the encoded columns of each original
feature (all ``occupation=*`` columns count as ``occupation``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from audit.result._base import Interval, schema_dataclass


@schema_dataclass
class FeatureImportance:
    """Global importance of one original feature under one method.

    ``importance`` is the mean absolute attribution over the explained rows, with a row-level
    bootstrap percentile ``interval``; ``mean_attribution`` is the signed mean.
    """

    feature: str
    importance: float
    interval: Interval
    mean_attribution: float


@schema_dataclass
class MethodResult:
    """One attribution method run on the explained rows.

    ``batch_size`` is the number of expanded rows (rows x steps or samples) evaluated per
    forward/backward pass, chosen automatically unless set in the config.
    """

    method: str
    label: str
    baseline: str
    n_rows: int
    seconds: float
    batch_size: int
    is_gradient_based: bool
    multiplies_by_inputs: bool
    features: tuple[FeatureImportance, ...]


@schema_dataclass
class RowExplanation:
    """One row explained feature by feature (the waterfall view).

    ``baseline_output + sum(contributions) == output + convergence_delta`` for methods with
    completeness (Integrated Gradients, DeepLift); ``convergence_delta`` is NaN otherwise.
    """

    row: int
    kind: str
    label: int
    probability: float
    output: float
    baseline_output: float
    convergence_delta: float
    contributions: dict[str, float]
    values: dict[str, str]


@schema_dataclass
class GroupAttribution:
    """Mean attribution of each feature among the rows of one sensitive group."""

    sensitive_feature: str
    group: str
    n: int
    small: bool
    mean_attribution: dict[str, float]
    mean_abs_attribution: dict[str, float]


@schema_dataclass
class ProxyAssociation:
    """How strongly a feature is associated with a sensitive feature, beside its importance.

    ``measure`` is Cramér's V for a categorical feature and the correlation ratio (eta) for a
    numeric one, both in [0, 1], computed on every test row. ``flagged`` marks a feature
    associated at or above the configured threshold, whatever its importance rank.
    """

    feature: str
    sensitive_feature: str
    measure: Literal["cramers_v", "correlation_ratio"]
    association: float
    importance: float
    importance_rank: int
    is_same_column: bool
    flagged: bool


@schema_dataclass
class TrustCheck:
    """One quality check of one method's attributions."""

    method: str
    check: Literal["completeness", "infidelity", "sensitivity", "agreement", "randomisation", "deletion"]
    value: float
    threshold: float
    status: Literal["pass", "warn", "not applicable"]
    detail: str


@schema_dataclass
class MethodAgreement:
    """Spearman rank correlation of global importance between every pair of methods."""

    methods: tuple[str, ...]
    spearman: tuple[tuple[float, ...], ...]
    n_rows: int


@schema_dataclass
class ExplainabilitySection:
    """Results of the explainability audit (filled in by :mod:`audit.explain`).

    For a text model the features are words; ``top_positive_words`` / ``top_negative_words``
    are those with the largest signed mean attribution for and against the positive class."""

    target: int = 1
    target_label: str = ""
    output: str = ""
    split: str = "test"
    n_rows: int = 0
    primary_method: str = ""
    methods: tuple[MethodResult, ...] = ()
    rows: tuple[RowExplanation, ...] = ()
    groups: tuple[GroupAttribution, ...] = ()
    proxies: tuple[ProxyAssociation, ...] = ()
    checks: tuple[TrustCheck, ...] = ()
    agreement: MethodAgreement | None = None
    settings: dict[str, str] = Field(default_factory=dict)
    timings: dict[str, float] = Field(default_factory=dict)
    notes: tuple[str, ...] = ()
    top_positive_words: tuple[str, ...] = ()
    top_negative_words: tuple[str, ...] = ()
