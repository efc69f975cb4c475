"""Entry points the config-driven runner calls for the explainability audit."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import torch

from audit._threads import torch_threads
from audit.explain._checks import (
    CheckOutcome,
    agreement_checks,
    completeness_check,
    infidelity_check,
    randomisation_check,
    sensitivity_check,
)
from audit.explain._config import ExplainabilityAuditConfig
from audit.explain._errors import BaselineShapeError
from audit.explain._explainers import ExplainedOutput, Explainer, Explanation, without_hooks
from audit.explain._summary import (
    association,
    global_importance,
    group_means,
    spearman_matrix,
)
from audit.explain._tabular import aggregate
from audit.result import (
    ExplainabilitySection,
    FeatureImportance,
    GroupAttribution,
    Interval,
    MethodAgreement,
    MethodResult,
    ProxyAssociation,
    RowExplanation,
    TrustCheck,
)

if TYPE_CHECKING:  # pragma: no cover
    from audit.data import TabularDataset
    from audit.training import Callback

#: A feature is a possible proxy when associated and among this many most important features.
PROXY_TOP_K = 5


@dataclass(frozen=True)
class Baseline:
    """Reference rows for attribution and what they are, in words."""

    values: torch.Tensor
    description: str


def make_baselines(X_train: np.ndarray | torch.Tensor,
                   kind: Literal["mean", "zeros", "sample"] = "mean", *,
                   n_samples: int = 50, seed: int = 0) -> Baseline:
    """Baseline rows from the encoded training rows.

    Parameters
    ----------
    X_train : array-like
        ``(n_rows, n_features)`` encoded training rows.
    kind : {"mean", "zeros", "sample"}
        ``"mean"``: the training mean of each column, shape ``(1, n_features)`` (for a one-hot
        group, the category frequencies); ``"zeros"``: all zeros (the mean of standardised
        numeric columns, no category at all); ``"sample"``: ``n_samples`` training rows drawn at
        random (for SHAP-style methods).

    Examples
    --------
    >>> b = make_baselines(np.array([[0.0, 1.0], [2.0, 3.0]]), "mean")
    >>> b.values.tolist(), b.description
    ([[1.0, 2.0]], 'training mean of each encoded column (one-hot: category frequencies)')
    """
    X = torch.as_tensor(np.asarray(X_train, dtype=np.float32))
    if X.ndim != 2 or len(X) == 0:
        raise BaselineShapeError("X_train", "a non-empty 2-D array of encoded training rows",
                                 f"shape {tuple(X.shape)}", "pass dataset.train.X")
    if kind == "mean":
        return Baseline(X.mean(dim=0, keepdim=True),
                        "training mean of each encoded column (one-hot: category frequencies)")
    if kind == "zeros":
        return Baseline(torch.zeros(1, X.shape[1]),
                        "zeros (standardised numeric columns at their mean, no category set)")
    if kind == "sample":
        k = min(int(n_samples), len(X))
        rows = np.random.default_rng(seed).choice(len(X), size=k, replace=False)
        return Baseline(X[np.sort(rows)], f"{k} training rows drawn at random (seed {seed})")
    raise BaselineShapeError("baseline kind", "'mean', 'zeros' or 'sample'", repr(kind),
                             "pick one of them")


def training_callbacks(dataset: TabularDataset, config: ExplainabilityAuditConfig,
                       seed: int) -> list[Callback]:
    """The :class:`AttributionCallback` recording global importance per epoch, when enabled.

    Examples
    --------
    >>> training_callbacks(None, ExplainabilityAuditConfig(enabled=False), 0)
    []
    """
    if not (config.enabled and config.record_during_training):
        return []
    from audit.explain._callback import AttributionCallback

    rows = np.random.default_rng(seed).permutation(len(dataset.validation))[:config.training_rows]
    spec_base = make_baselines(dataset.train.X, config.baseline).values
    return [AttributionCallback(dataset.validation.X[np.sort(rows)], dataset.feature_groups,
                                method=config.training_method, baselines=spec_base,
                                target=config.target, output=config.output,
                                n_steps=min(config.n_steps, 20), seed=seed)]


def _status(outcome: CheckOutcome) -> TrustCheck:
    return TrustCheck(method=outcome.method, check=outcome.check, value=outcome.value,
                      threshold=outcome.threshold, status=outcome.status, detail=outcome.detail)


def _pick_rows(y: np.ndarray, proba: np.ndarray) -> list[tuple[int, str]]:
    """Positions of representative rows: a typical true positive, false negative and false
    positive (the one with the median predicted probability of its kind) and the two rows
    closest to the 0.5 threshold."""
    pred = proba >= 0.5
    picked: list[tuple[int, str]] = []
    wanted = [((y == 1) & pred, "true positive"), ((y == 1) & ~pred, "false negative"),
              ((y == 0) & pred, "false positive")]
    for mask, kind in wanted:
        candidates = np.flatnonzero(mask)
        if len(candidates):
            ordered = candidates[np.argsort(proba[candidates], kind="stable")]
            picked.append((int(ordered[len(ordered) // 2]), kind))
    taken = {p for p, _ in picked}
    for position in np.argsort(np.abs(proba - 0.5), kind="stable"):
        if len([k for _, k in picked if k == "borderline"]) == 2:
            break
        if int(position) not in taken:
            picked.append((int(position), "borderline"))
            taken.add(int(position))
    return picked


#: Methods cheap enough to run on every explained row.
FULL_ROW_METHODS = ("integrated_gradients", "deeplift", "saliency")


def _rows_for(explainer: Explainer, config: ExplainabilityAuditConfig, n: int) -> int:
    """How many of the ``n`` explained rows a method runs on (see the config's docstring)."""
    if explainer.method in FULL_ROW_METHODS and explainer.smoothing == "none":
        return n
    if explainer.method == "kernel_shap":
        return min(config.kernel_shap_rows, config.n_rows_perturbation, n)
    return min(config.n_rows_perturbation, n)


def _explainers(model: torch.nn.Module, dataset: TabularDataset,
                config: ExplainabilityAuditConfig, seed: int) -> list[Explainer]:
    single = make_baselines(dataset.train.X, config.baseline)
    distribution = make_baselines(dataset.train.X, "sample", n_samples=config.n_baseline_samples,
                                  seed=seed)
    runs: list[tuple[str, str]] = [(m, "none") for m in config.methods]
    if config.primary_method not in config.methods:
        runs.insert(0, (config.primary_method, "none"))
    if config.smoothing != "none":
        runs += [(m, config.smoothing) for m in config.smoothed_methods]
    out = []
    for method, smoothing in runs:
        explainer = Explainer(
            model, method, feature_groups=dataset.feature_groups, output=config.output,
            smoothing=smoothing, n_steps=config.n_steps, n_samples=config.n_samples,
            kernel_shap_samples=config.kernel_shap_samples,
            smoothing_samples=config.smoothing_samples, smoothing_stdev=config.smoothing_stdev,
            internal_batch_size=config.internal_batch_size, seed=seed)
        if smoothing != "none" and not explainer.is_gradient_based:
            continue
        base = distribution if explainer.spec.baseline_distribution else single
        explainer.baselines, explainer.baseline_description = base.values, base.description
        out.append(explainer)
    return out


def run_audit(dataset: TabularDataset, model: torch.nn.Module,
              config: ExplainabilityAuditConfig, seed: int) -> ExplainabilitySection | None:
    """Run the explainability audit on a trained model; None when disabled.

    Explains ``config.n_rows`` test rows (sampled with ``seed``) with every configured method,
    summarises global importance with bootstrap intervals, explains representative rows, compares
    sensitive groups, lists proxy associations, and runs the trust checks.

    Examples
    --------
    >>> run_audit(None, None, ExplainabilityAuditConfig(enabled=False), 0) is None
    True
    """
    if not config.enabled:
        return None
    model = without_hooks(model)  # e.g. opacus's per-sample-gradient hooks after DP training
    with torch_threads(config.cpu_threads):
        return _run(dataset, model, config, seed)


def _run(dataset: TabularDataset, model: torch.nn.Module, config: ExplainabilityAuditConfig,
         seed: int) -> ExplainabilitySection:
    from audit.models import predict_proba

    timings: dict[str, float] = {}
    started = time.perf_counter()
    test = dataset.test
    features = tuple(dataset.feature_groups)
    n = min(config.n_rows, len(test))
    positions = np.random.default_rng(seed).permutation(len(test))[:n]
    X = torch.from_numpy(np.ascontiguousarray(test.X[positions]))
    proba = predict_proba(model, X)
    explainers = _explainers(model, dataset, config, seed)

    explanations: dict[str, Explanation] = {}
    grouped: dict[str, np.ndarray] = {}
    methods: list[MethodResult] = []
    for explainer in explainers:
        rows = _rows_for(explainer, config, n)
        tick = time.perf_counter()
        explanation = explainer.explain(X[:rows], target=config.target)
        seconds = time.perf_counter() - tick
        timings[f"method/{explainer.name}"] = seconds
        explanations[explainer.name] = explanation
        grouped[explainer.name] = aggregate(explanation.attributions, dataset.feature_groups)
        gi = global_importance(grouped[explainer.name], features, bootstrap_replicates=config.bootstrap_replicates,
                               seed=seed)
        order = np.argsort(-gi.importance, kind="stable")
        methods.append(MethodResult(
            method=explainer.name, label=explainer.label, baseline=explanation.baseline,
            n_rows=rows, seconds=seconds, batch_size=explanation.batch_size,
            is_gradient_based=explainer.is_gradient_based,
            multiplies_by_inputs=explainer.multiplies_by_inputs,
            features=tuple(FeatureImportance(
                feature=features[i], importance=float(gi.importance[i]),
                interval=Interval(low=float(gi.low[i]), high=float(gi.high[i]), level=gi.level,
                                  method=f"percentile bootstrap over rows, {config.bootstrap_replicates} "
                                         "replicates"),
                mean_attribution=float(gi.mean_attribution[i])) for i in order)))

    primary = next(e for e in explainers if e.method == config.primary_method
                   and e.smoothing == "none")
    primary_grouped = grouped[primary.name]
    n_primary = len(primary_grouped)

    # representative rows and requested rows ------------------------------------------
    tick = time.perf_counter()
    row_specs = [(int(positions[p]), kind) for p, kind in
                 _pick_rows(test.y[positions[:n_primary]], proba[:n_primary])]
    row_specs += [(int(r), "requested") for r in config.rows]
    rows_out = _row_explanations(primary, dataset, row_specs, config)
    timings["rows"] = time.perf_counter() - tick

    # sensitive groups and proxies --------------------------------------------------------
    tick = time.perf_counter()
    groups = []
    for sensitive in dataset.sensitive_features:
        labels = test.sensitive[sensitive].to_numpy()[positions[:n_primary]]
        for group, (size, mean, mean_abs) in group_means(primary_grouped, labels).items():
            groups.append(GroupAttribution(
                sensitive_feature=sensitive, group=group, n=size,
                small=size < config.min_group_size,
                mean_attribution=dict(zip(features, mean.tolist())),
                mean_abs_attribution=dict(zip(features, mean_abs.tolist()))))
    primary_importance = np.abs(primary_grouped).mean(axis=0)
    rank = {features[i]: r + 1 for r, i in
            enumerate(np.argsort(-primary_importance, kind="stable"))}
    proxies = []
    for sensitive in dataset.sensitive_features:
        labels = test.sensitive[sensitive].astype(str).to_numpy()
        for i, feature in enumerate(features):
            measure, value = association(test.raw[feature], labels)
            same = feature == sensitive
            proxies.append(ProxyAssociation(
                feature=feature, sensitive_feature=sensitive, measure=measure,
                association=value, importance=float(primary_importance[i]),
                importance_rank=rank[feature], is_same_column=same,
                flagged=(not same and value >= config.proxy_threshold
                         and rank[feature] <= PROXY_TOP_K)))
    timings["groups_and_proxies"] = time.perf_counter() - tick

    # trust checks --------------------------------------------------------------------
    tick = time.perf_counter()
    checks: list[CheckOutcome] = []
    n_check = min(config.n_check_rows, *(len(g) for g in grouped.values()))
    X_check = X[:n_check]
    for explainer in explainers:
        name = explainer.name
        explanation = explanations[name]
        if "completeness" in config.checks and explainer.has_convergence_delta:
            checks.append(completeness_check(explanation, config.completeness_tolerance))
        if "infidelity" in config.checks:
            reference = (explainer.baselines.mean(dim=0, keepdim=True)
                         if explainer.baselines is not None else torch.zeros(1, X.shape[1]))
            head = Explanation(explanation.attributions[:n_check], None, name,
                               explanation.target, explanation.baseline, explanation.batch_size)
            checks.append(infidelity_check(explainer, X_check, head, reference=reference,
                                           threshold=config.infidelity_max, seed=seed))
        # KernelShap fits a surrogate per row and perturbation: check it on fewer rows
        n_sub = max(4, n_check // 4) if explainer.method == "kernel_shap" else n_check
        if "sensitivity" in config.checks:
            checks.append(sensitivity_check(explainer, X_check[:n_sub], target=config.target,
                                            threshold=config.sensitivity_max))
        if "randomisation" in config.checks:
            checks.append(randomisation_check(explainer, X_check[:n_sub],
                                              grouped[name][:n_sub],
                                              target=config.target,
                                              threshold=config.randomisation_max, seed=seed))
        timings[f"checks/{name}"] = time.perf_counter() - tick
        tick = time.perf_counter()
    agreement = None
    if len(explainers) > 1:
        n_common = min(len(g) for g in grouped.values())
        names = tuple(e.name for e in explainers)
        matrix = spearman_matrix([np.abs(grouped[m][:n_common]).mean(axis=0) for m in names])
        agreement = MethodAgreement(methods=names, n_rows=n_common,
                                    spearman=tuple(tuple(float(v) for v in r) for r in matrix))
        if "agreement" in config.checks:
            checks += agreement_checks(names, matrix, config.agreement_min)
    timings["total"] = time.perf_counter() - started

    target_label = dataset.positive_label if config.target == 1 else f"class {config.target}"
    output = (f"log-odds of {dataset.target} = {target_label}" if config.output == "margin"
              else f"logit of class {config.target}")
    notes = [
        "Attributions of one-hot and scaled columns are summed per original feature.",
        "Rows explained per method are listed in the method table; trust checks use the first "
        f"{n_check} of the {n} sampled test rows.",
        "Proxy association: Cramér's V for categorical features, correlation ratio (eta) for "
        "numeric ones, on every test row; flagged when >= "
        f"{config.proxy_threshold} and the feature is among the {PROXY_TOP_K} most important.",
    ]
    return ExplainabilitySection(
        target=config.target, target_label=target_label, output=output, split="test", n_rows=n,
        primary_method=primary.name, methods=tuple(methods), rows=tuple(rows_out),
        groups=tuple(groups), proxies=tuple(proxies), checks=tuple(_status(c) for c in checks),
        agreement=agreement,
        settings={k: str(v) for k, v in config.model_dump().items()},
        timings=timings, notes=tuple(notes))


def _row_explanations(explainer: Explainer, dataset: TabularDataset,
                      row_specs: list[tuple[int, str]],
                      config: ExplainabilityAuditConfig) -> list[RowExplanation]:
    """Explain test rows one by one (``row_specs``: test index and why it was picked)."""
    from audit.models import predict_proba

    if not row_specs:
        return []
    test = dataset.test
    X_all = torch.from_numpy(test.X)
    indices = [r for r, _ in row_specs]
    explanation = explainer.explain(X_all, target=config.target, rows=indices)
    X_rows = X_all[indices]
    forward = ExplainedOutput(explainer.model, explainer.output)
    was_training = explainer.model.training
    explainer.model.eval()
    device = next(iter(explainer.model.parameters()), torch.zeros(0)).device
    try:
        with torch.no_grad():
            outputs = forward(X_rows.to(device))[:, config.target].cpu().double().numpy()
            base = explainer.baselines if explainer.baselines is not None else torch.zeros(
                1, X_rows.shape[1])
            base_output = float(forward(base.to(device))[:, config.target].double().mean())
    finally:
        explainer.model.train(was_training)
    proba = predict_proba(explainer.model, X_rows)
    grouped = aggregate(explanation.attributions, dataset.feature_groups)
    features = tuple(dataset.feature_groups)
    out = []
    for k, (row, kind) in enumerate(row_specs):
        order = np.argsort(-np.abs(grouped[k]), kind="stable")
        delta = (float(explanation.convergence_delta[k])
                 if explanation.convergence_delta is not None else float("nan"))
        out.append(RowExplanation(
            row=row, kind=kind, label=int(test.y[row]), probability=float(proba[k]),
            output=float(outputs[k]), baseline_output=base_output, convergence_delta=delta,
            contributions={features[i]: float(grouped[k, i]) for i in order},
            values={f: str(test.raw[f].iloc[row]) for f in features if f in test.raw}))
    return out
