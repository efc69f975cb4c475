"""Trust checks of attributions: completeness, infidelity, sensitivity, randomisation, agreement.

The metrics are captum's (``captum.metrics.infidelity``, ``sensitivity_max``); this module picks
perturbations that fit tabular data and turns numbers into pass/warn with a stated threshold.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from captum.metrics import infidelity, sensitivity_max

from audit.explain._explainers import ExplainedOutput, Explainer, Explanation
from audit.explain._summary import spearman
from audit.explain._tabular import aggregate

Status = Literal["pass", "warn", "not applicable"]
#: Methods whose attributions sum exactly to f(x) - f(baseline) (up to numerical error).
EXACT_COMPLETENESS = ("integrated_gradients", "deeplift", "deeplift_shap")


@dataclass(frozen=True)
class CheckOutcome:
    """One trust check of one method: the value, its threshold, pass/warn and why."""

    method: str
    check: Literal["completeness", "infidelity", "sensitivity", "agreement", "randomisation"]
    value: float
    threshold: float
    status: Status
    detail: str


#: Methods whose attributions add up to f(x) - E[f(baseline)] only in expectation (sampling).
EXPECTED_COMPLETENESS = ("gradient_shap",)

_COMPLETENESS_FIX = {
    "integrated_gradients": "raise n_steps, or check the baseline: a baseline far from the data "
                            "needs more steps",
    "deeplift": "DeepLift's rules are exact for networks of nn.Linear and elementwise "
                "activations used once each; a large delta points to an operation they do not "
                "cover (a reused module, a functional call) or a broken baseline",
    "deeplift_shap": "as for DeepLift: check for reused modules or functional calls, and the "
                     "baseline rows",
    "gradient_shap": "raise n_samples (the sum holds only on average over samples), or check "
                     "the baseline rows",
}


def completeness_check(explanation: Explanation, tolerance: float,
                       also: Sequence[Explanation] = ()) -> CheckOutcome:
    """Completeness: ``sum(attr) == f(x) - f(baseline)``, up to the convergence delta.

    The value is the largest ``|delta| / max(1, |f(x) - f(baseline)|)`` over rows: an absolute
    error for small output changes, a relative one for large changes. Every delta computed is
    used: those of ``explanation`` and of the explanations in ``also`` (e.g. the rows shown one
    by one in a report), so that no delta shown to a reader is above tolerance unflagged.
    Integrated Gradients, DeepLift and DeepLiftShap satisfy completeness exactly (up to
    numerical error); GradientShap only in expectation over its samples, so its delta is
    measured with the same tolerance and a warning asks for more samples.

    Examples
    --------
    >>> import torch
    >>> e = Explanation(torch.zeros(2, 3), torch.tensor([0.01, -0.02]), "integrated_gradients",
    ...                 1, "zeros", 64)
    >>> completeness_check(e, 0.05).status
    'pass'
    >>> row = Explanation(torch.zeros(1, 3), torch.tensor([2.96]), "integrated_gradients",
    ...                   1, "zeros", 64)
    >>> completeness_check(e, 0.05, also=[row]).status
    'warn'
    """
    method = explanation.method
    base_method = method.split("+")[0]
    parts = [e for e in (explanation, *also) if e.convergence_delta is not None]
    applicable = base_method in EXACT_COMPLETENESS + EXPECTED_COMPLETENESS
    if not parts or not applicable:
        return CheckOutcome(method, "completeness", float("nan"), tolerance, "not applicable",
                            "this method has no completeness property to check")
    delta = torch.cat([e.convergence_delta.reshape(-1).float() for e in parts])
    change = torch.cat([e.attributions.sum(dim=1).float() for e in parts]) - delta
    broken = ~(torch.isfinite(delta) & torch.isfinite(change))
    if bool(broken.any()):
        return CheckOutcome(
            method, "completeness", float("nan"), tolerance, "warn",
            f"undefined: {int(broken.sum())} of {len(delta)} rows have a non-finite convergence "
            "delta or output change (NaN or inf in the inputs, the baseline or the model's "
            "output). Flagged: check the baseline and the inputs.")
    relative = delta.abs() / change.abs().clamp(min=1.0)
    worst = float(relative.max()) if len(delta) else 0.0
    status: Status = "pass" if worst <= tolerance else "warn"
    kind = ("" if base_method in EXACT_COMPLETENESS
            else "in expectation over the method's samples: ")
    fix = "" if status == "pass" else f" Flagged: {_COMPLETENESS_FIX.get(base_method, '')}."
    largest = float(delta.abs().max()) if len(delta) else 0.0
    n_main = len(parts[0].convergence_delta.reshape(-1)) if parts[0] is explanation else 0
    extra = (f" (and {len(delta) - n_main} rows explained one by one)"
             if len(delta) > n_main else "")
    return CheckOutcome(method, "completeness", worst, tolerance, status,
                        f"{kind}max over {n_main} rows{extra} of |convergence delta| / "
                        f"max(1, |f(x) - f(baseline)|) (largest |delta| {largest:.2g}, in units "
                        f"of the explained output).{fix}")


def _group_matrix(feature_groups: Mapping[str, Sequence[int]], n_features: int) -> torch.Tensor:
    matrix = torch.zeros(len(feature_groups), n_features)
    for index, columns in enumerate(feature_groups.values()):
        matrix[index, list(columns)] = 1.0
    return matrix


def _perturbation(explainer: Explainer, reference: torch.Tensor,
                  feature_groups: Mapping[str, Sequence[int]] | None, stdev: float, seed: int):
    """Perturbation for captum's infidelity.

    Contribution methods (multiplies_by_inputs): a random half of the original features is set
    to the reference row, and the perturbation is the binary mask of the changed columns, so
    ``attr . I`` is the attribution of the removed features (sensitivity-n). Local methods
    (gradients): Gaussian noise of ``stdev`` on every column.
    """
    generator = torch.Generator(device="cpu").manual_seed(seed)
    n_features = reference.shape[-1]
    groups = feature_groups or {str(i): (i,) for i in range(n_features)}
    matrix = _group_matrix(groups, n_features).to(reference.device)

    def remove_features(inputs: torch.Tensor):
        removed = (torch.rand(len(inputs), len(matrix), generator=generator) < 0.5).float()
        mask = removed.to(inputs.device) @ matrix
        return mask, inputs * (1 - mask) + reference * mask

    def gaussian(inputs: torch.Tensor):
        noise = torch.randn(inputs.shape, generator=generator).to(inputs.device) * stdev
        return noise, inputs - noise

    return remove_features if explainer.multiplies_by_inputs else gaussian


def infidelity_check(explainer: Explainer, inputs: torch.Tensor, explanation: Explanation, *,
                     reference: torch.Tensor, threshold: float, n_perturb: int = 10,
                     stdev: float = 0.1, seed: int = 0) -> CheckOutcome:
    """Captum ``infidelity`` (normalised), relative to the output change it must explain.

    The value is ``mean infidelity / mean E[(f(x) - f(x - I))^2]`` over rows, with the same
    perturbations for both (the denominator is captum's infidelity of all-zero attributions):
    0 means the attributions predict every perturbed output change, 1 means no better than
    attributing nothing.
    """
    forward = ExplainedOutput(explainer.model, explainer.output, explainer.scores)
    was_training = explainer.model.training
    explainer.model.eval()
    device = next(iter(explainer.model.parameters()), torch.zeros(0)).device
    x = inputs.to(device).float()
    attributions = explanation.attributions.to(device)
    reference = reference.to(device).reshape(1, -1)
    groups = explainer.feature_groups
    try:
        with torch.no_grad():
            score = infidelity(forward, _perturbation(explainer, reference, groups, stdev, seed),
                               x, attributions, target=explanation.target,
                               n_perturb_samples=n_perturb, normalize=True)
            scale = infidelity(forward, _perturbation(explainer, reference, groups, stdev, seed),
                               x, torch.zeros_like(attributions), target=explanation.target,
                               n_perturb_samples=n_perturb, normalize=False)
    finally:
        explainer.model.train(was_training)
    value = float(score.sum() / scale.sum()) if float(scale.sum()) > 0 else 0.0
    kind = ("half of the features set to the baseline" if explainer.multiplies_by_inputs
            else f"Gaussian noise (sd {stdev}) on every column")
    return CheckOutcome(
        explanation.method, "infidelity", value, threshold,
        "pass" if value <= threshold else "warn",
        f"captum infidelity (normalised) / mean squared output change, {n_perturb} perturbations "
        f"x {len(x)} rows: {kind}. 0 = attributions predict the change, 1 = no better than none.")


def sensitivity_check(explainer: Explainer, inputs: torch.Tensor, *, target: int,
                      threshold: float, n_perturb: int = 5, radius: float = 0.02) -> CheckOutcome:
    """Captum ``sensitivity_max``: the largest relative change of the attributions when the
    input moves by at most ``radius`` per column (mean over rows)."""

    def explain(perturbed):  # captum passes a tensor or a 1-tuple of tensors
        if isinstance(perturbed, tuple):
            return (explain(perturbed[0]),)
        return explainer.explain(perturbed, target=target).attributions.to(perturbed.device)

    device = next(iter(explainer.model.parameters()), torch.zeros(0)).device
    values = sensitivity_max(explain, inputs.to(device).float(), perturb_radius=radius,
                             n_perturb_samples=n_perturb)
    value = float(values.mean())
    return CheckOutcome(
        explainer.name, "sensitivity", value, threshold, "pass" if value <= threshold else "warn",
        f"captum sensitivity_max: mean over {len(inputs)} rows of the max over {n_perturb} "
        f"perturbations (uniform, radius {radius}) of ||attr(x') - attr(x)|| / ||attr(x)||"
        + ("; includes sampling noise of this stochastic method" if explainer.method in (
            "gradient_shap", "shapley_value_sampling", "kernel_shap") or explainer.smoothing != "none"
           else ""))


def randomised_copy(model: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """A deep copy of ``model`` with every parameter re-initialised (Adebayo et al., 2018).

    Modules with ``reset_parameters`` use their own initialisation; other parameters are drawn
    from a normal distribution with the same standard deviation as the trained values.
    """
    clone = copy.deepcopy(model)
    with torch.random.fork_rng(devices=[]), torch.no_grad():
        torch.manual_seed(seed)
        reset: set[int] = set()
        for module in clone.modules():
            if hasattr(module, "reset_parameters") and callable(module.reset_parameters):
                module.reset_parameters()
                reset.update(id(p) for p in module.parameters(recurse=False))
        for param in clone.parameters():
            if id(param) not in reset:
                std = float(param.std()) if param.numel() > 1 else 1.0
                param.normal_(0.0, std if std > 0 else 1.0)
    return clone


def randomisation_check(explainer: Explainer, inputs: torch.Tensor, trained: np.ndarray, *,
                        target: int, threshold: float, seed: int = 0) -> CheckOutcome:
    """Model-randomisation sanity check: importance must change when the weights are random.

    ``trained`` is the ``(n_rows, n_features_original)`` attribution of ``inputs`` under the
    trained model. The value is the Spearman rank correlation between the global importance
    (mean |attribution|) of the trained and the randomised model; above ``threshold`` the
    method is flagged: its importance reflects the data more than the model.
    """
    random_model = randomised_copy(explainer.model, seed)
    attributions = explainer.with_model(random_model).explain(inputs, target=target).attributions
    groups = explainer.feature_groups
    randomised = aggregate(attributions, groups) if groups is not None else attributions.numpy()
    rho = spearman(np.abs(trained).mean(axis=0), np.abs(randomised).mean(axis=0))
    per_row = [spearman(np.abs(a), np.abs(b)) for a, b in zip(trained, randomised)]
    status: Status = "pass" if rho <= threshold else "warn"
    verdict = "" if status == "pass" else " Flagged: importance barely depends on the weights."
    return CheckOutcome(
        explainer.name, "randomisation", rho, threshold, status,
        f"Spearman rho of global importance, trained vs re-initialised weights, {len(inputs)} "
        f"rows (mean per-row rho {float(np.mean(per_row)) if per_row else 0.0:.2f}).{verdict}")


def agreement_checks(methods: Sequence[str], matrix: np.ndarray,
                     threshold: float) -> list[CheckOutcome]:
    """Per method: median Spearman rho of its global importance with every other method."""
    out = []
    for i, method in enumerate(methods):
        others = [matrix[i, j] for j in range(len(methods)) if j != i]
        if not others:
            continue
        value = float(np.median(others))
        out.append(CheckOutcome(
            method, "agreement", value, threshold, "pass" if value >= threshold else "warn",
            f"median Spearman rho of global importance with the {len(others)} other methods"))
    return out
