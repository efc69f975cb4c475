"""The one result schema: everything a report, the dashboard or a policy gate reads.

Frozen pydantic dataclasses: plain dataclasses to the code that builds them, validated when
loaded, and round-tripping through JSON exactly (NaN and infinities are written as the strings
"NaN" / "Infinity" so the file stays valid JSON).

Versioning: ``MAJOR.MINOR``. A minor bump only adds optional fields, so a reader accepts any
file of its own major version whose minor is not newer than its own, and migrates every older
major it knows (:mod:`audit.result._migrate`). Bump the minor version whenever a field is added,
the major when one is renamed, moved or removed. History: 1.0 (rai-audit 0.1: one top-level
field per concern), 2.0 (rai-audit 0.2: ``sections`` keyed by audit slug, each a
:class:`SectionRecord`), 2.1 (prediction logs: ``metadata.log``, fairness ``windows`` and
``window``, ``MetricValue.error_bound``), 2.2 (issue 16: ``quality.degenerate``,
``data.favourable_label``, ``MitigationOutcome.majority_accuracy``), 2.3 (issue 19:
``PrivacySection.canary_audit``, ``MembershipAudit.group_risk``), 2.4 (issue 19:
``PrivacySection.group_dp_cost`` and ``checkpoints``, ``CanaryAudit.epoch_bounds``).

Sections are keyed by the slug of a registered audit (:mod:`audit.core`); their types come
from the registry, so the schema names no concern.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import replace
from typing import Any, Literal

from pydantic import Field, TypeAdapter, field_validator

from audit.result._base import Interval, schema_dataclass
from audit.result._policy import PolicyResult
from audit.result._prediction_log import PredictionLogInfo

SCHEMA_VERSION = "2.4"  # 2.4: privacy group_dp_cost, checkpoints, canary epoch_bounds
#: The rai-audit release that first wrote each schema major version.
WRITTEN_BY = {1: "0.1.0", 2: "0.2.0"}

@schema_dataclass
class DataInfo:
    """What the model was trained and audited on (the data half of the model card)."""

    name: str
    source: str
    citation: str
    license: str
    target: str
    positive_label: str
    sensitive_features: tuple[str, ...]
    features: tuple[str, ...]
    n_encoded_features: int
    n_train: int
    n_validation: int
    n_test: int
    base_rate_train: float
    base_rate_test: float
    favourable_label: str = ""  # "" (older results): the positive label is the favourable one


@schema_dataclass
class ModelInfo:
    """The trained model: kind, size, architecture as text, and the folder of its weights
    relative to the result.json's folder (no machine path leaks into a shared report)."""

    kind: str
    n_parameters: int
    architecture: str
    weights_path: str = ""


@schema_dataclass
class TrainingInfo:
    """How the model was trained."""

    epochs: int
    epochs_completed: int
    batch_size: int
    optimizer: str
    learning_rate: float
    device: str
    seconds: float
    private: bool = False
    stopped_early: bool = False
    stop_reason: str = ""
    audited_as_given: bool = False
    note: str = Field("", description="how a model trained elsewhere was audited")


@schema_dataclass
class ModelCardInfo:
    """Free-text model-card fields supplied by the user in the config."""

    intended_use: str = ""
    out_of_scope_use: str = ""
    limitations: str = ""
    owners: str = ""
    ethical_considerations: str = ""
    version: str = ""
    training_data: str = ""
    data_license: str = ""
    privacy_measures: str = ""
    human_oversight: str = ""
    contact: str = ""
    changes: str = ""
    standards: str = ""
    monitoring: str = ""


@schema_dataclass
class RunMetadata:
    """Who, what, when and with which versions.

    ``log`` is set when the audit read a prediction log instead of training a model; ``model``
    and ``training`` then describe the log (kind ``prediction log``, no epochs).
    """

    run_name: str
    created_at: str
    seed: int
    rai_audit_version: str
    library_versions: dict[str, str]
    data: DataInfo
    model: ModelInfo
    training: TrainingInfo
    card: ModelCardInfo = Field(default_factory=ModelCardInfo)
    timings: dict[str, float] = Field(default_factory=dict)
    warnings: tuple[str, ...] = ()  # stated by the run: unseen test categories, a DP batch...
    log: PredictionLogInfo | None = None


@schema_dataclass
class EpochRecord:
    """One epoch of the training history: scalar metrics plus structured details."""

    epoch: int
    metrics: dict[str, float]
    details: dict[str, Any] = Field(default_factory=dict)


@schema_dataclass
class ConfusionCounts:
    tn: int
    fp: int
    fn: int
    tp: int


@schema_dataclass
class ModelQuality:
    """Predictive quality on one split at a decision threshold.

    ``degenerate`` says why the model is a constant or near-constant predictor (the same
    decision for every row, or scores that barely vary); "" when it is not.
    """

    split: Literal["train", "validation", "test"]
    n: int
    threshold: float
    accuracy: float
    accuracy_interval: Interval
    balanced_accuracy: float
    precision: float
    recall: float
    f1: float
    roc_auc: float
    log_loss: float
    positive_rate: float
    base_rate: float
    confusion: ConfusionCounts
    degenerate: str = ""


@schema_dataclass
class AuditFailure:
    """Why an audit produced no section: the error's class, its message and, for input errors,
    the fix it proposed."""

    error_type: str
    message: str
    input_error: bool = False


@schema_dataclass
class SectionRecord:
    """One audit's entry in the result: the fields every section shares, around the section.

    ``status`` is ``ok`` (``section`` holds the audit's section type) or ``failed`` (``section``
    is None and ``failure`` says why; the other audits and the report are still written).
    ``seconds`` is the audit's wall time (NaN when not timed), ``seed`` the seed it ran with.
    """

    status: Literal["ok", "failed"]
    seconds: float = math.nan
    seed: int = 0
    section: Any = None
    failure: AuditFailure | None = None


def _section_type(slug: str) -> type:
    from audit.core import get_audit

    try:
        return get_audit(slug).section_type
    except KeyError as exc:
        raise ValueError(f"section {slug!r} belongs to no registered audit ({exc.args[0]}); "
                         "import the package that registers it before reading this result"
                         ) from None


@schema_dataclass
class AuditResult:
    """Everything one audit run produced. Reports and dashboards only present this.

    ``sections`` maps an audit's slug to its :class:`SectionRecord`; an audit that was not run
    has no entry. ``result.<slug>`` is the section itself (None when absent or failed), and
    :meth:`record` gives the record with its status and failure.
    """

    metadata: RunMetadata
    quality: ModelQuality | None = None
    history: tuple[EpochRecord, ...] = ()
    sections: dict[str, SectionRecord] = Field(default_factory=dict)
    policy: PolicyResult | None = None
    schema_version: str = SCHEMA_VERSION
    # what loading found of the content hash (audit.result._checks); never written or compared
    content_check: Literal["", "verified", "edited", "unsigned"] = dataclasses.field(
        default="", compare=False)

    @field_validator("sections", mode="before")
    @classmethod
    def _typed_sections(cls, value: Any) -> Any:
        """Validate each section with the type its audit registered."""
        if not isinstance(value, dict):
            return value
        typed = {}
        for slug, record in value.items():
            kind = _section_type(slug)
            if isinstance(record, dict) and isinstance(record.get("section"), dict):
                record = {**record, "section": TypeAdapter(kind).validate_python(record["section"])}
            elif isinstance(record, SectionRecord) and record.section is not None \
                    and not isinstance(record.section, kind):
                raise ValueError(f"section {slug!r} must be a {kind.__name__}, "
                                 f"got {type(record.section).__name__}")
            typed[slug] = record
        return typed

    def __getattr__(self, name: str) -> Any:
        # result.<slug>: the section of a registered audit, None when it was not run or failed
        if name.startswith("_"):
            raise AttributeError(name)
        from audit.core import get_audit

        try:
            get_audit(name)
        except KeyError:
            raise AttributeError(f"AuditResult has no field or audit section {name!r}") from None
        record = self.__dict__.get("sections", {}).get(name)
        return record.section if record is not None and record.status == "ok" else None

    def record(self, slug: str) -> SectionRecord | None:
        """The record of audit ``slug`` (status, seconds, failure), None when it was not run."""
        return self.sections.get(slug)

    def with_section(self, slug: str, section: Any, *, seconds: float = math.nan,
                     seed: int | None = None) -> AuditResult:
        """A copy with ``section`` recorded (status ``ok``) under ``slug``."""
        record = SectionRecord(status="ok", seconds=seconds,
                               seed=self.metadata.seed if seed is None else seed, section=section)
        return replace(self, sections={**self.sections, slug: record})

    @property
    def failed_audits(self) -> dict[str, AuditFailure]:
        """The audits that failed, with why."""
        return {slug: r.failure for slug, r in self.sections.items()
                if r.status == "failed" and r.failure is not None}
