"""Entry points the config-driven runner calls for the robustness audit, and the section builder."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from audit.result import RobustnessSection
from audit.robustness._config import RobustnessAuditConfig
from audit.robustness._counterfactual import check_features, counterfactual_stability
from audit.robustness._flips import Predict, checked_scores
from audit.robustness._perturb import noise_stability, perturbation_stability
from audit.robustness._threshold import threshold_sensitivity

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from audit.data import TabularDataset


def _pct(fr) -> str:
    return (f"{100 * fr.rate:.2f}% ({fr.flips:,} of {fr.n:,}; 95% CI {100 * fr.interval.low:.2f}%"
            f" to {100 * fr.interval.high:.2f}%)")


def plain_reading(section: RobustnessSection) -> tuple[str, ...]:
    """Plain-language sentences a reviewer can read without the tables."""
    lines = []
    for cf in section.counterfactual:
        if not cf.model_input:
            lines.append(f"{cf.feature} is not a model input: changing it flips no prediction by "
                         "construction (proxies may still carry it).")
            continue
        worst = max(cf.by_change, key=lambda f: f.rate, default=None)
        tail = (f"; the largest change is {worst.label} ({100 * worst.rate:.2f}% of {worst.n:,} rows)"
                if worst is not None and worst.n else "")
        lines.append(f"Changing only {cf.feature} ({cf.change}) flips the decision for "
                     f"{_pct(cf.overall)} of rows{tail}.")
    if section.noise:
        worst = max(section.noise, key=lambda s: s.scale)
        lines.append(f"Gaussian noise of {worst.scale:g} SD on the numeric inputs flips "
                     f"{_pct(worst.overall)} of decisions.")
    if section.perturbations:
        top = section.perturbations[0]
        lines.append(f"The decision is most sensitive to {top.feature}: {top.change} flips "
                     f"{_pct(top.overall)}.")
    ts = section.threshold_sensitivity
    if ts is not None:
        acc = next(c for c in ts.curves if c.metric == "accuracy")
        lines.append(f"Accuracy ranges from {acc.low:.3f} to {acc.high:.3f} over thresholds "
                     f"{ts.thresholds[0]:g}-{ts.thresholds[-1]:g} ({acc.at_operating:.3f} at "
                     f"{ts.operating_threshold:g}; {100 * acc.slope * 0.01:+.2f} points per +0.01).")
        for c in ts.curves:
            if c.metric != "accuracy" and c.at_operating == c.at_operating:
                lines.append(f"{c.feature}: {c.metric.replace('_', ' ')} {c.at_operating:.3f} at "
                             f"{ts.operating_threshold:g}, between {c.low:.3f} and {c.high:.3f} on the "
                             f"grid, changing {c.slope * 0.01:+.4f} per +0.01 of threshold.")
    return tuple(lines)


def _notes(config: RobustnessAuditConfig, level: float) -> tuple[str, ...]:
    return (
        f"A decision is score >= {config.threshold:g}. A flip is a row whose decision differs "
        f"between the original and the changed input; intervals are exact Clopper-Pearson at "
        f"{level:.0%}. Policy gates on flip rates judge the whole interval (its upper bound for a max).",
        "Counterfactual rows change only the named attribute, re-encoded by the dataset's "
        "preprocessor; correlated inputs (proxies) keep their values, so this measures the direct "
        "effect of the attribute, not every path through which it can act.",
        "Numeric sensitive features are shifted (clipped to the training range) rather than swapped "
        "between bands, so every row keeps a plausible value.",
        "Noise is added to the standardized numeric inputs only (one-hot columns are left exact); "
        f"perturbations move one feature at a time by {config.perturbation_fraction:.0%} of its "
        "training range, or to a random other category.",
    )


def audit_robustness(predict: Predict, dataset: TabularDataset, config: RobustnessAuditConfig,
                     seed: int = 0, *, split: str = "test") -> RobustnessSection:
    """Every robustness check of ``config`` for any ``predict(X) -> scores`` on one split.

    Parameters
    ----------
    predict : callable
        Probability of the favourable outcome for encoded rows.
    dataset : TabularDataset
    config : RobustnessAuditConfig
    seed : int
    split : {"test", "validation", "train"}

    Returns
    -------
    RobustnessSection
    """
    part = getattr(dataset, split)
    pre = dataset.preprocessor
    level = config.confidence_level
    features = list(config.sensitive_features or dataset.sensitive_features)
    known = sorted({*dataset.sensitive_features, *pre.feature_groups_})
    check_features(features, known, "robustness.sensitive_features")
    check_features(list(config.numeric_shifts), known, "robustness.numeric_shifts")
    timings: dict[str, float] = {}
    tick = time.perf_counter()
    base = checked_scores(predict(part.X), len(part), "predict(X)")
    train_raw = dataset.train.raw
    ranges = {f: (float(train_raw[f].min()), float(train_raw[f].max())) for f in pre.numeric}
    counterfactual = tuple(counterfactual_stability(
        predict, part.X, part.raw, pre, f, threshold=config.threshold,
        shifts=config.numeric_shifts.get(f), value_range=ranges.get(f), base_scores=base,
        level=level) for f in features)
    timings["counterfactual_seconds"] = time.perf_counter() - tick

    tick = time.perf_counter()
    numeric_columns = [pre.feature_groups_[f][0] for f in pre.numeric]
    noise = noise_stability(predict, part.X, numeric_columns, config.noise_scales,
                            threshold=config.threshold, base_scores=base, seed=seed,
                            level=level) if numeric_columns else ()
    perturb = config.perturb_features
    if perturb is None:
        perturb = [f for f in pre.feature_groups_ if f not in dataset.sensitive_features]
    check_features(perturb, list(pre.feature_groups_), "robustness.perturb_features")
    perturbations = perturbation_stability(
        predict, part.X, part.raw, pre, perturb, ranges=ranges,
        fraction=config.perturbation_fraction, threshold=config.threshold, base_scores=base,
        seed=seed + 1, level=level)
    timings["perturbation_seconds"] = time.perf_counter() - tick

    tick = time.perf_counter()
    sensitive = part.sensitive[[f for f in features if f in part.sensitive.columns]]
    thresholds = threshold_sensitivity(part.y, base, sensitive, thresholds=config.threshold_grid,
                                       operating_threshold=config.threshold)
    timings["threshold_seconds"] = time.perf_counter() - tick

    section = RobustnessSection(
        split=split, n_rows=len(part), threshold=config.threshold, confidence_level=level,
        seed=seed, counterfactual=counterfactual, noise=noise, perturbations=perturbations,
        threshold_sensitivity=thresholds, notes=_notes(config, level), timings=timings)
    return replace(section, reading=plain_reading(section))


def training_callbacks(dataset: TabularDataset, config: RobustnessAuditConfig, seed: int) -> list:
    """No per-epoch tracking: robustness is measured on the trained model only."""
    return []


def run_audit(dataset: TabularDataset, model: torch.nn.Module, config: RobustnessAuditConfig,
              seed: int) -> RobustnessSection:
    """Audit ``model`` on the test split (see :func:`audit_robustness`).

    Examples
    --------
    >>> import torch
    >>> from audit.data import build_tabular_dataset, example_people
    >>> from audit.training import fit
    >>> people = example_people()
    >>> ds = build_tabular_dataset(people[:400], people[400:], target="income",
    ...                            sensitive_features=["sex"])
    >>> _ = torch.manual_seed(0)
    >>> model = torch.nn.Sequential(torch.nn.Linear(ds.n_features, 8), torch.nn.ReLU(),
    ...                             torch.nn.Linear(8, 2))
    >>> _ = fit(model, ds.train.to_torch(), epochs=5, batch_size=32, learning_rate=0.05,
    ...         progress=False)
    >>> section = run_audit(ds, model, RobustnessAuditConfig(enabled=True), seed=0)
    >>> cf = section.counterfactual[0]
    >>> cf.feature, cf.overall.flips, cf.overall.n
    ('sex', 38, 200)
    """
    from audit._threads import torch_threads
    from audit.models import predict_proba

    def predict(X: np.ndarray) -> np.ndarray:
        return np.clip(predict_proba(model, X), 0.0, 1.0)

    with torch_threads(config.cpu_threads):
        return audit_robustness(predict, dataset, config, seed)
