"""Result section of the data privacy scan: re-identification risk of the table before training.

The smallest equivalence classes are listed with their quasi-identifier values: these are the
riskiest records, shown as counts and value combinations (no other column), which is what an
internal audit needs to decide what to generalise. Text findings carry counts and redacted
snippets only, never the personal data itself.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from audit.result._base import schema_dataclass

ColumnRole = Literal["quasi-identifier", "direct identifier", "candidate", "other", "sensitive"]


@schema_dataclass
class ColumnRisk:
    """How identifying one column is on its own, and what it does to the quasi-identifier set.

    ``unique_share``: share of rows whose value no other row has. ``unique_share_without``:
    unique share of the quasi-identifier combination without this column (for the chosen QIs);
    ``unique_share_with``: with this column added (for the other columns). A column whose
    addition raises the unique share by a percentage point or more is a ``candidate``.
    """

    column: str
    distinct: int
    distinct_ratio: float
    unique_share: float
    role: ColumnRole
    unique_share_without: float | None = None
    unique_share_with: float | None = None


@schema_dataclass
class CombinationRisk:
    """Uniqueness of rows on a combination of columns."""

    columns: tuple[str, ...]
    n_classes: int
    unique_share: float
    k: int


@schema_dataclass
class EquivalenceClass:
    """One class of rows sharing all quasi-identifier values."""

    values: dict[str, str]
    size: int
    sensitive_distinct: int


@schema_dataclass
class ClassSizeBin:
    """Rows and classes whose class size falls in ``[low, high]`` (``high = -1``: no upper bound)."""

    label: str
    low: int
    high: int
    n_classes: int
    n_rows: int


@schema_dataclass
class Anonymity:
    """k-anonymity, l-diversity and re-identification risk of a table on its quasi-identifiers.

    Prosecutor risk: an attacker who knows a person is in the table and knows their QI values
    re-identifies them with probability 1/size of their class; ``prosecutor_risk_max`` = 1/k,
    ``prosecutor_risk_mean`` = mean over rows of 1/class size = classes / rows.
    """

    quasi_identifiers: tuple[str, ...]
    n_rows: int
    n_classes: int
    k: int
    k_target: int
    unique_rows: int
    unique_share: float
    rows_below_k_target: int
    share_below_k_target: float
    prosecutor_risk_max: float
    prosecutor_risk_mean: float
    size_histogram: tuple[ClassSizeBin, ...]
    smallest: tuple[EquivalenceClass, ...]
    sensitive: str | None = None
    l_distinct: int | None = None
    l_entropy: float | None = None
    l_target: int = 2
    classes_below_l_target: int = 0
    rows_below_l_target: int = 0


@schema_dataclass
class GeneralisationLevel:
    """The level chosen for one quasi-identifier (0 = original values)."""

    column: str
    level: int
    n_levels: int
    description: str


@schema_dataclass
class Generalisation:
    """A generalisation (plus record suppression) reaching a target k, and what it costs.

    ``ncp``: normalised certainty penalty (Xu et al. 2006), mean over rows and QIs of the share of
    a column's domain a generalised value covers (0 = original, 1 = fully suppressed; suppressed
    rows count 1). ``discernibility``: sum over classes of size squared plus suppressed rows times
    n (Bayardo & Agrawal 2005). ``avg_class_size_ratio``: (rows kept / classes) / k (1 is ideal).
    """

    strategy: str
    reached: bool
    k_target: int
    k: int
    levels: tuple[GeneralisationLevel, ...]
    suppressed_rows: int
    suppressed_share: float
    max_suppression: float
    n_classes: int
    ncp: float
    discernibility: float
    avg_class_size_ratio: float
    nodes_evaluated: int
    l_distinct: int | None = None
    alternatives: dict[str, float] = Field(default_factory=dict)


@schema_dataclass
class TextPiiFindings:
    """Personal data found in one free-text column: counts by kind and redacted snippets."""

    column: str
    n_rows: int
    rows_with_pii: int
    counts: dict[str, int]
    examples: tuple[str, ...] = ()
    detectors: tuple[str, ...] = ()


@schema_dataclass
class DataPrivacySection:
    """The data privacy scan: run on the data before any training; needs no model."""

    source: str
    n_rows: int
    n_columns: int
    anonymity: Anonymity
    columns: tuple[ColumnRisk, ...] = ()
    combinations: tuple[CombinationRisk, ...] = ()
    generalisation: Generalisation | None = None
    text: tuple[TextPiiFindings, ...] = ()
    notes: tuple[str, ...] = ()
    timings: dict[str, float] = Field(default_factory=dict)
