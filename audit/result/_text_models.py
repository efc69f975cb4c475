"""Text models section of an :class:`~audit.result.AuditResult`: the task, its baselines, every
text model trained in the run (the audited model, a distillation teacher and student) with
accuracy, agreement with the teacher and group gaps (filled in by :mod:`audit.text`)."""

from __future__ import annotations

from pydantic import Field

from audit.result._base import Interval, schema_dataclass


@schema_dataclass
class TextBaseline:
    """A reference accuracy on the same test split (majority class, bag-of-words LR)."""

    name: str
    description: str
    accuracy: float
    accuracy_interval: Interval


@schema_dataclass
class TextModelSummary:
    """One trained text model on the test split.

    ``role`` is ``model`` (the audited one), ``teacher``, ``student`` (distilled) or
    ``student_alone`` (the same student architecture trained on the labels only).
    ``agreement_with_teacher`` is the share of test rows where its prediction equals the
    teacher's (NaN without a teacher). ``gaps`` maps ``"<disparity>[<group column>]"`` to its
    value on the test split (fairlearn definitions, see the fairness section).
    """

    role: str
    kind: str
    n_parameters: int
    accuracy: float
    accuracy_interval: Interval
    roc_auc: float
    seconds: float
    private: bool = False
    epsilon: float | None = None
    agreement_with_teacher: float = float("nan")
    gaps: dict[str, float] = Field(default_factory=dict)


@schema_dataclass
class DistillationSummary:
    """How the student was distilled and whether it kept the teacher's accuracy and gaps."""

    teacher_kind: str
    student_kind: str
    temperature: float
    alpha: float
    accuracy_change: float
    agreement: float
    kept_accuracy: bool
    gap_changes: dict[str, float] = Field(default_factory=dict)
    reading: str = ""


@schema_dataclass
class TextModelsSection:
    """The text task and its models.

    ``n_truncated`` counts examples per split cut to ``max_length`` under ``truncation_policy``
    (``overflow: refuse`` refuses them instead).
    """

    task: str
    text: str
    text_pair: str
    tokenizer: str
    vocab_size: int
    max_length: int
    overflow: str
    truncation_policy: str
    n_truncated: dict[str, int]
    n_examples: dict[str, int]
    baselines: tuple[TextBaseline, ...] = ()
    models: tuple[TextModelSummary, ...] = ()
    distillation: DistillationSummary | None = None
    notes: tuple[str, ...] = ()
