"""Compare audit runs: one summary row per result and the privacy-utility-fairness frontier.

The dashboard's *Compare runs* page presents what :func:`compare_runs` and
:func:`frontier_points` compute; neither imports streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from audit.result import AuditResult, UtilityPoint

__all__ = ["DISPARITY_METRIC", "FrontierPoint", "RunSummary", "compare_runs", "frontier_points",
           "summarize_run"]

#: The disparity summarised per run: its worst (largest) value over all partitions.
DISPARITY_METRIC = "demographic_parity_difference"

#: Where a non-private run (epsilon infinite) is drawn on a log epsilon axis: this many times
#: the largest finite epsilon of the comparison (or at 10 when there is none).
NON_PRIVATE_EDGE_FACTOR = 4.0


@dataclass(frozen=True)
class RunSummary:
    """The headline numbers of one audit run, for a comparison table.

    A number is ``None`` when the audit that measures it was not run (the table shows
    "not run"); it is NaN when the audit ran but the metric is undefined.

    Attributes
    ----------
    name : str
        ``metadata.run_name``.
    created_at : str
        ISO 8601 time the result was created.
    private : bool
        Whether the model was trained with DP-SGD.
    epsilon : float or None
        The formal epsilon; ``inf`` for a non-private run; ``None`` for a private run whose
        result holds no privacy spend.
    delta : float or None
        The delta of ``epsilon`` (``None`` when non-private or unknown).
    accountant : str
        The accountant that gave ``epsilon`` ("" when non-private or unknown).
    accuracy : float or None
        Test accuracy; ``None`` when quality was not evaluated.
    accuracy_low, accuracy_high : float or None
        Its confidence interval (Wilson).
    attack_auc : float or None
        The largest membership-inference AUC over the attacks run (``None`` when none ran).
    attack : str
        The attack that gave ``attack_auc``.
    attack_auc_low, attack_auc_high : float or None
        Its DeLong interval.
    disparity : float or None
        The largest :data:`DISPARITY_METRIC` over the fairness partitions (single features and
        intersections); ``None`` when the fairness audit was not run or measured none, NaN when
        it is undefined for every partition.
    disparity_partition : str
        The partition that gave ``disparity`` (e.g. ``"sex x race"``).
    worst_group_accuracy : float or None
        The lowest accuracy of any group not flagged small, over every partition (all groups
        when every one is small); ``None`` without a fairness audit.
    worst_group : str
        That group, as ``"partition: group"``.
    utility_curve : tuple of UtilityPoint
        The run's privacy-utility curve (empty when none was computed).
    """

    name: str
    created_at: str
    private: bool
    epsilon: float | None
    delta: float | None
    accountant: str
    accuracy: float | None
    accuracy_low: float | None
    accuracy_high: float | None
    attack_auc: float | None
    attack: str
    attack_auc_low: float | None
    attack_auc_high: float | None
    disparity: float | None
    disparity_partition: str
    worst_group_accuracy: float | None
    worst_group: str
    utility_curve: tuple[UtilityPoint, ...] = ()


@dataclass(frozen=True)
class FrontierPoint:
    """One point of the privacy-utility-fairness frontier.

    Attributes
    ----------
    run : str
        The label of the run the point belongs to.
    source : {"run", "utility curve"}
        The audited model itself, or a model of its privacy-utility curve.
    epsilon : float
        Formal epsilon (``inf`` when trained without DP).
    plot_epsilon : float
        Where to draw it on a log axis: ``epsilon``, or for a non-private point the right edge
        (:data:`NON_PRIVATE_EDGE_FACTOR` times the largest finite epsilon of all points).
    accuracy : float
        Test accuracy.
    disparity : float
        Demographic parity difference: the run's worst over partitions (``source="run"``), or
        the curve point's over its fairness feature; NaN when not measured.
    attack_auc : float
        The strongest attack's AUC; NaN when not measured.
    """

    run: str
    source: str
    epsilon: float
    plot_epsilon: float
    accuracy: float
    disparity: float
    attack_auc: float


def _privacy_numbers(result: AuditResult) -> dict:
    spend = result.privacy.spend if result.privacy is not None else None
    private = spend is not None or result.metadata.training.private
    numbers = {"private": private, "epsilon": None if private else math.inf, "delta": None,
               "accountant": ""}
    if spend is not None:
        numbers.update(epsilon=spend.epsilon, delta=spend.delta, accountant=spend.accountant)
    membership = result.privacy.membership if result.privacy is not None else None
    attacks = [a for a in (membership.attacks.values() if membership is not None else ())
               if not math.isnan(a.auc)]
    strongest = max(attacks, key=lambda a: a.auc, default=None)
    numbers.update(attack_auc=None, attack="", attack_auc_low=None, attack_auc_high=None)
    if strongest is not None:
        numbers.update(attack_auc=strongest.auc, attack=strongest.name,
                       attack_auc_low=strongest.auc_interval.low,
                       attack_auc_high=strongest.auc_interval.high)
    elif membership is not None and membership.attacks:  # ran, every AUC undefined
        numbers.update(attack_auc=math.nan, attack=next(iter(membership.attacks)))
    return numbers


def _fairness_numbers(result: AuditResult) -> dict:
    numbers = {"disparity": None, "disparity_partition": "", "worst_group_accuracy": None,
               "worst_group": ""}
    section = result.fairness
    if section is None:
        return numbers
    disparities = [(d.value, p.name) for p in section.partitions for d in p.disparities
                   if d.name == DISPARITY_METRIC]
    defined = [pair for pair in disparities if not math.isnan(pair[0])]
    if defined:
        numbers["disparity"], numbers["disparity_partition"] = max(defined, key=lambda pair: pair[0])
    elif disparities:
        numbers["disparity"] = math.nan
    groups = [(g.metrics["accuracy"].value, f"{p.name}: {g.group}", g.small)
              for p in section.partitions for g in p.groups
              if "accuracy" in g.metrics and not math.isnan(g.metrics["accuracy"].value)]
    candidates = [g for g in groups if not g[2]] or groups
    if candidates:
        numbers["worst_group_accuracy"], numbers["worst_group"], _ = min(candidates,
                                                                         key=lambda g: g[0])
    return numbers


def summarize_run(result: AuditResult) -> RunSummary:
    """Summarise one result.

    Parameters
    ----------
    result : AuditResult

    Returns
    -------
    RunSummary
        See :func:`compare_runs`.
    """
    q = result.quality
    return RunSummary(
        name=result.metadata.run_name, created_at=result.metadata.created_at,
        accuracy=q.accuracy if q is not None else None,
        accuracy_low=q.accuracy_interval.low if q is not None else None,
        accuracy_high=q.accuracy_interval.high if q is not None else None,
        utility_curve=result.privacy.utility_curve if result.privacy is not None else (),
        **_privacy_numbers(result), **_fairness_numbers(result))


def compare_runs(results: Sequence[AuditResult]) -> list[RunSummary]:
    """Summarise audit results side by side, one :class:`RunSummary` per result, in order.

    Parameters
    ----------
    results : sequence of AuditResult
        Results of any mix of audits; a section that was not run gives ``None`` numbers.

    Returns
    -------
    list of RunSummary
        Privacy (formal epsilon, strongest membership attack), utility (test accuracy with its
        interval) and fairness (worst demographic parity difference over partitions, worst
        group accuracy) per run.

    Examples
    --------
    >>> import pandas as pd
    >>> from audit import audit_predictions
    >>> log = pd.DataFrame({"y": [1, 0, 1, 0] * 50, "p": [.9, .4, .3, .2] * 50,
    ...                     "sex": list("FFMM") * 50})
    >>> result = audit_predictions(log, label="y", score="p", sensitive_features=["sex"])
    >>> import os, tempfile
    >>> from audit.result import load_result, save_result
    >>> path = save_result(result, os.path.join(tempfile.mkdtemp(), "result.json"))
    >>> rows = compare_runs([load_result(path)])
    >>> rows[0].epsilon, rows[0].accuracy, rows[0].disparity, rows[0].worst_group
    (inf, 0.75, 0.5, 'sex: M')
    """
    return [summarize_run(result) for result in results]


def frontier_points(summaries: Sequence[RunSummary],
                    labels: Sequence[str] | None = None) -> list[FrontierPoint]:
    """The privacy-utility-fairness frontier of ``summaries``: epsilon, accuracy and disparity.

    Each run gives its own point (when its accuracy and epsilon are known) followed by every
    point of its privacy-utility curve.

    Parameters
    ----------
    summaries : sequence of RunSummary
        From :func:`compare_runs`.
    labels : sequence of str, optional
        One label per summary, to tell apart runs of the same name (default: the run names).

    Returns
    -------
    list of FrontierPoint
        Non-private points (``epsilon = inf``) get ``plot_epsilon`` at the right edge of a log
        axis, :data:`NON_PRIVATE_EDGE_FACTOR` times the largest finite epsilon.

    Raises
    ------
    ValueError
        When ``labels`` is given with a length other than that of ``summaries``.
    """
    if labels is None:
        labels = [s.name for s in summaries]
    if len(labels) != len(summaries):
        raise ValueError(f"expected one label per run ({len(summaries)}), got {len(labels)}")
    raw: list[tuple[str, str, float, float, float, float]] = []
    for label, s in zip(labels, summaries):
        if s.accuracy is not None and s.epsilon is not None:
            raw.append((label, "run", s.epsilon, s.accuracy,
                        math.nan if s.disparity is None else s.disparity,
                        math.nan if s.attack_auc is None else s.attack_auc))
        raw += [(label, "utility curve", p.epsilon, p.accuracy, p.dp_difference, p.attack_auc)
                for p in s.utility_curve]
    finite = [r[2] for r in raw if math.isfinite(r[2])]
    edge = NON_PRIVATE_EDGE_FACTOR * max(finite) if finite else 10.0
    return [FrontierPoint(run=label, source=source, epsilon=eps,
                          plot_epsilon=eps if math.isfinite(eps) else edge,
                          accuracy=acc, disparity=disp, attack_auc=auc)
            for label, source, eps, acc, disp, auc in raw]
