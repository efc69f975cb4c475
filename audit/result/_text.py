"""The text section of an :class:`~audit.result.AuditResult`: bias of a text classifier and of
its encoder, and word-level attributions (filled in by :mod:`audit.text_bias`).

Scores are the classifier's probability of the positive label. Identity-term results come from
sentence templates in which only the identity term changes (HolisticBias descriptors and WEAT
names); SEAT results from the encoder's sentence embeddings.
"""

from __future__ import annotations

from pydantic import Field

from audit.result._base import Interval, schema_dataclass


@schema_dataclass
class SeatResult:
    """One Sentence Encoder Association Test (May et al., 2019).

    ``effect_size`` is Caliskan et al.'s d: the difference of the mean associations of the two
    target sets, divided by the standard deviation of the association over both (ddof=1).
    ``p_value`` is one-sided (the observed statistic or larger over equal-size re-partitions of
    the targets): exact over every partition when ``exact``, else from ``n_permutations``
    random partitions (seed ``seed``), with the observed partition counted.
    """

    test: str
    description: str
    targets: tuple[str, str]
    attributes: tuple[str, str]
    n_sentences: tuple[int, int, int, int]
    effect_size: float
    statistic: float
    p_value: float
    n_permutations: int
    exact: bool
    seed: int


@schema_dataclass
class BoxStats:
    """Five-number summary of scores (whiskers at 1.5 IQR, as matplotlib draws them)."""

    whislo: float
    q1: float
    median: float
    q3: float
    whishi: float
    minimum: float
    maximum: float


@schema_dataclass
class GroupScores:
    """Scores of the template sentences that name one group of one axis.

    ``gap`` is the group's mean score minus the mean over the axis's groups, with a bootstrap
    interval that resamples templates (seeded). ``error_rate`` is the false-positive rate when
    every template's true label is 0 (false-negative rate when 1), NaN when unknown.
    """

    axis: str
    group: str
    n: int
    n_terms: int
    small: bool
    mean: float
    mean_interval: Interval
    gap: float
    gap_interval: Interval
    positive_rate: float
    positive_rate_interval: Interval
    error_rate: float
    error_rate_interval: Interval | None
    box: BoxStats
    histogram: tuple[int, ...]


@schema_dataclass
class NoiseFloor:
    """Identity-term swaps against neutral-word swaps on the same templates.

    ``words`` are adjectives that name no identity (e.g. "busy", "local") put where the
    identity term goes; ``flip_rate`` and ``mean_abs_change`` are their pairwise flip rate and
    mean |score change|: what any word change does to these templates. The differences are
    identity minus neutral, paired over templates, with a bootstrap interval over templates
    (expanded percentile). A verdict is ``above noise floor (conclusive)`` only when that
    interval is above 0, ``within noise floor`` when it holds 0.
    ``identity_flip_interval`` and ``identity_change_interval`` are the identity rates'
    intervals from the same bootstrap.
    """

    words: tuple[str, ...]
    n_templates: int
    n_pairs: int
    identity_flip_interval: Interval
    flip_rate: float
    flip_interval: Interval
    flip_difference: float
    flip_difference_interval: Interval
    flip_verdict: str
    identity_change_interval: Interval
    mean_abs_change: float
    mean_abs_change_interval: Interval
    change_difference: float
    change_difference_interval: Interval
    change_verdict: str


@schema_dataclass
class AxisFairness:
    """Counterfactual token fairness on one axis (Garg et al., 2019).

    For every template and every pair of identity terms of the axis: does the prediction flip
    (``flip_rate``, with a bootstrap interval over templates, the unit that repeats: pairs
    share templates and terms and are not independent), how much does the score move
    (``mean_abs_change``, with a bootstrap interval over templates), and how often by more
    than ``tolerance`` (``large_change_rate``). ``group_gap`` is the largest minus the smallest
    group mean, tested by permuting the terms' group labels (``group_gap_p_value``; its
    ``group_gap_floor`` is the 95th percentile of the gap over random groupings, NaN when every
    group is one term); ``error_rate_gap`` the same for the per-group error rates.
    ``noise`` compares the swaps with neutral-word swaps (None when not measured).
    """

    axis: str
    n_templates: int
    n_terms: int
    n_groups: int
    n_pairs: int
    flip_rate: float
    flip_interval: Interval
    mean_abs_change: float
    mean_abs_change_interval: Interval
    max_abs_change: float
    large_change_rate: float
    tolerance: float
    group_gap: float
    highest_group: str
    lowest_group: str
    error_rate_kind: str = ""
    error_rate_gap: float = float("nan")
    noise: NoiseFloor | None = None
    group_gap_p_value: float = float("nan")
    group_gap_floor: float = float("nan")
    group_gap_verdict: str = ""


@schema_dataclass
class CounterfactualExample:
    """One of the largest score changes from swapping the identity term in one template."""

    axis: str
    template: str
    term_a: str
    term_b: str
    score_a: float
    score_b: float


@schema_dataclass
class WordAttribution:
    """One text explained word by word: word pieces merged back to words (attributions summed).

    ``convergence_delta`` is the Integrated Gradients completeness error (sum of attributions
    minus the output difference from the baseline), NaN for methods without completeness.
    ``segments[i]`` is 0 when word ``i`` is in the first text of a pair (or the only text), 1 in
    the second; ``text`` joins a pair with " | ".
    """

    text: str
    method: str
    probability: float
    output: float
    words: tuple[str, ...]
    scores: tuple[float, ...]
    convergence_delta: float = float("nan")
    segments: tuple[int, ...] = ()


@schema_dataclass
class IdentityTokenAttribution:
    """Mean attribution of one identity group's words across the templates it appears in:
    which identity tokens push the prediction up (positive) or down."""

    axis: str
    group: str
    n: int
    mean_attribution: float
    mean_abs_attribution: float
    top_terms: tuple[str, ...]


@schema_dataclass
class AttributionMethodInfo:
    """How one attribution method was run, and its completeness check when it has one:
    ``mean_abs_delta`` is the mean |convergence delta| and ``max_relative_delta`` the largest
    |delta| divided by the mean |output - baseline output| over the texts (NaN without one)."""

    method: str
    label: str
    n_texts: int
    n_steps: int
    seconds: float
    output: str
    mean_abs_delta: float = float("nan")
    max_relative_delta: float = float("nan")


@schema_dataclass
class TextSection:
    """Results of the text-bias audit (filled in by :func:`audit.text_bias.audit_text_model`).

    ``seat_not_run`` says why SEAT has no results (disabled, no encoder, an encoder without
    token states), empty when it ran."""

    pair_mode: str = "single"
    pair_question: str = ""
    template_label: int | None = None
    threshold: float = 0.5
    encoder: str = ""
    n_sentences: int = 0
    seat: tuple[SeatResult, ...] = ()
    axes: tuple[AxisFairness, ...] = ()
    groups: tuple[GroupScores, ...] = ()
    largest_changes: tuple[CounterfactualExample, ...] = ()
    attributions: tuple[WordAttribution, ...] = ()
    identity_tokens: tuple[IdentityTokenAttribution, ...] = ()
    methods: tuple[AttributionMethodInfo, ...] = ()
    seed: int = 0
    settings: dict[str, str] = Field(default_factory=dict)
    timings: dict[str, float] = Field(default_factory=dict)
    notes: tuple[str, ...] = ()
    seat_not_run: str = ""
