"""Result types of the controllability and robustness checks (``result.robustness``).

Every flip rate is a count of rows whose decision changed out of the rows tested, with an exact
(Clopper-Pearson) interval, so a policy gate can judge it by its upper bound.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from audit.result._base import Interval, schema_dataclass


@schema_dataclass
class FlipRate:
    """How many decisions changed under one change of the inputs.

    Attributes
    ----------
    label : str
        What was changed (``"Male -> Female"``, ``"+10"``, ``"noise 0.05 SD"``).
    n : int
        Rows (or texts) tested: rows whose input the change actually touched.
    flips : int
        Rows whose decision (score >= threshold) changed.
    rate : float
        ``flips / n`` (NaN when ``n == 0``).
    interval : Interval
        Exact Clopper-Pearson interval of ``rate``.
    to_positive, to_negative : int
        Flips from the unfavourable to the favourable decision, and back.
    mean_abs_delta, max_abs_delta : float
        Mean and largest absolute change of the score.
    """

    label: str
    n: int
    flips: int
    rate: float
    interval: Interval
    to_positive: int = 0
    to_negative: int = 0
    mean_abs_delta: float = 0.0
    max_abs_delta: float = 0.0


@schema_dataclass
class CounterfactualFeature:
    """Counterfactual stability for one sensitive feature: the same rows with only it changed.

    ``overall`` counts a row as flipped when any of its counterfactuals changes the decision
    (the share of people whose decision depends on this attribute); ``by_change`` breaks that
    down per (original group -> counterfactual value) or per numeric shift.
    """

    feature: str
    kind: Literal["categorical", "numeric"]
    model_input: bool
    change: str
    overall: FlipRate
    by_change: tuple[FlipRate, ...] = ()
    note: str = ""


@schema_dataclass
class NoiseStability:
    """Gaussian noise of ``scale`` standard deviations added to every standardized numeric input."""

    scale: float
    overall: FlipRate


@schema_dataclass
class PerturbationStability:
    """One feature perturbed within a plausible range, every other input kept (a sensitivity)."""

    feature: str
    kind: Literal["categorical", "numeric"]
    change: str
    overall: FlipRate


@schema_dataclass
class ThresholdCurve:
    """One metric over the threshold grid, with its slope at the operating threshold.

    ``slope`` is the central difference ``(v(t + h) - v(t - h)) / (2h)`` per unit of threshold
    at the operating threshold ``t`` (``h`` is the grid step); multiply by 0.01 for the change
    per 0.01 of threshold.
    """

    metric: str
    feature: str
    values: tuple[float, ...]
    at_operating: float
    low: float
    high: float
    slope: float


@schema_dataclass
class ThresholdSensitivity:
    """Accuracy and fairness disparities over a grid of decision thresholds."""

    thresholds: tuple[float, ...]
    operating_threshold: float
    step: float
    curves: tuple[ThresholdCurve, ...] = ()


@schema_dataclass
class TextCounterfactualStability:
    """Identity-term stability of a text model: templates filled with each identity term.

    ``overall`` counts a template as flipped when the decisions of its filled-in texts are not
    all equal; ``by_term`` compares each term with ``reference_term`` on every template.
    """

    n_templates: int
    terms: tuple[str, ...]
    reference_term: str
    threshold: float
    overall: FlipRate
    by_term: tuple[FlipRate, ...] = ()
    mean_score_range: float = 0.0
    examples: tuple[str, ...] = ()


@schema_dataclass
class TypoStability:
    """Decisions of a text model with keyboard slips in ``rate`` of the words (4+ letters):
    ``words_changed`` words were hit over the split; accuracy before and after on the same texts."""

    rate: float
    words_changed: int
    overall: FlipRate
    accuracy: float
    accuracy_with_typos: float


@schema_dataclass
class RobustnessSection:
    """Controllability and robustness of the trained model on one split.

    Sub-parts are empty when not requested; ``reading`` holds plain-language sentences and
    ``notes`` how each number was made.
    """

    split: str
    n_rows: int
    threshold: float
    confidence_level: float
    seed: int
    counterfactual: tuple[CounterfactualFeature, ...] = ()
    noise: tuple[NoiseStability, ...] = ()
    perturbations: tuple[PerturbationStability, ...] = ()
    threshold_sensitivity: ThresholdSensitivity | None = None
    text: TextCounterfactualStability | None = None
    typos: tuple[TypoStability, ...] = ()
    interval_method: str = "Clopper-Pearson"
    reading: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    timings: dict[str, float] = Field(default_factory=dict)
