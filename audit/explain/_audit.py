"""Entry points the config-driven runner calls for the explainability audit."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import torch

from audit._threads import torch_threads
from audit.explain._baselines import make_baselines
from audit.explain._checks import (
    CheckOutcome,
    agreement_checks,
    completeness_check,
    infidelity_check,
    randomisation_check,
    sensitivity_check,
)
from audit.explain._config import ExplainabilityAuditConfig, ScoresKind
from audit.explain._embeddings import SAMPLE_ROWS, embedding_view
from audit.explain._explainers import ExplainedOutput, Explainer, Explanation, without_hooks
from audit.explain._proxies import proxy_associations
from audit.explain._summary import (
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
    RowExplanation,
    TrustCheck,
)

if TYPE_CHECKING:  # pragma: no cover
    from audit.data import TabularDataset
    from audit.training import Callback


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
    # the Baseline itself, not its values: for a model with embeddings the explainer rebuilds
    # the mean as the mean embedding of the model being trained, epoch by epoch
    spec_base = make_baselines(dataset.train.X, config.baseline)
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


@dataclass(frozen=True)
class _Encoded:
    """The model and rows the audit attributes: as given, or in attribution space when the
    model looks columns up in embeddings (see :mod:`audit.explain._embeddings`)."""

    model: torch.nn.Module
    X_train: np.ndarray
    X_test: np.ndarray
    feature_groups: dict[str, tuple[int, ...]]
    embedded: tuple[str, ...]


def _encode(dataset: TabularDataset, model: torch.nn.Module) -> _Encoded:
    groups = {k: tuple(v) for k, v in dataset.feature_groups.items()}
    view = embedding_view(model, torch.from_numpy(np.ascontiguousarray(
        dataset.train.X[:SAMPLE_ROWS])))
    if view is None:
        return _Encoded(model, dataset.train.X, dataset.test.X, groups, ())

    def encode(X: np.ndarray) -> np.ndarray:
        return view.encode(torch.from_numpy(np.ascontiguousarray(X))).cpu().numpy()

    embedded = tuple(name for name, columns in groups.items()
                     if any(int(c) in view.embedded for c in columns))
    return _Encoded(view.module, encode(dataset.train.X), encode(dataset.test.X),
                    view.groups(groups), embedded)


def positive_probability(model: torch.nn.Module, X: torch.Tensor,
                         scores: ScoresKind = "logits", batch_size: int = 8192) -> np.ndarray:
    """Probability of class 1 per row: softmax of two or more logits, sigmoid of one logit
    (or the model's own probabilities)."""
    forward = ExplainedOutput(model, "probability", scores)
    was_training = model.training
    model.eval()
    device = next(iter(model.parameters()), torch.zeros(0)).device
    out = []
    try:
        with torch.no_grad():
            for start in range(0, len(X), batch_size):
                out.append(forward(X[start:start + batch_size].to(device))[:, 1].double().cpu())
    finally:
        model.train(was_training)
    return torch.cat(out).numpy() if out else np.zeros(0)


def _explainers(encoded: _Encoded, config: ExplainabilityAuditConfig, seed: int,
                scores: ScoresKind) -> list[Explainer]:
    single = make_baselines(encoded.X_train, config.baseline)
    distribution = make_baselines(encoded.X_train, "sample", n_samples=config.n_baseline_samples,
                                  seed=seed)
    if encoded.embedded and config.baseline == "mean":
        single = replace(single, description="training mean of each encoded column (one-hot: "
                         "category frequencies; embedded columns: the mean embedding)")
    runs: list[tuple[str, str]] = [(m, "none") for m in config.methods]
    if config.primary_method not in config.methods:
        runs.insert(0, (config.primary_method, "none"))
    if config.smoothing != "none":
        runs += [(m, config.smoothing) for m in config.smoothed_methods]
    out = []
    for method, smoothing in runs:
        explainer = Explainer(
            encoded.model, method, feature_groups=encoded.feature_groups, output=config.output,
            scores=scores, smoothing=smoothing, n_steps=config.n_steps,
            n_samples=config.n_samples, kernel_shap_samples=config.kernel_shap_samples,
            smoothing_samples=config.smoothing_samples, smoothing_stdev=config.smoothing_stdev,
            internal_batch_size=config.internal_batch_size, seed=seed)
        if smoothing != "none" and not explainer.is_gradient_based:
            continue
        base = distribution if explainer.spec.baseline_distribution else single
        explainer.baselines, explainer.baseline_description = base.values, base.description
        out.append(explainer)
    return out


def run_audit(dataset: TabularDataset, model: torch.nn.Module,
              config: ExplainabilityAuditConfig, seed: int, *,
              scores: ScoresKind = "logits") -> ExplainabilitySection | None:
    """Run the explainability audit on a trained model; None when disabled.

    Explains ``config.n_rows`` test rows (sampled with ``seed``) with every configured method,
    summarises global importance with bootstrap intervals, explains representative rows, compares
    sensitive groups, lists proxy associations, and runs the trust checks.

    The model maps the dataset's encoded rows to logits (two or more, or one: the logit of
    class 1), or to probabilities with ``scores="probabilities"``. Columns it looks up in an
    ``nn.Embedding`` (integer codes) are attributed on the embedding outputs, in attribution
    space (:mod:`audit.explain._embeddings`), and summed back to their feature; the baseline
    "mean" is then the mean embedding.

    Examples
    --------
    >>> run_audit(None, None, ExplainabilityAuditConfig(enabled=False), 0) is None
    True
    """
    if not config.enabled:
        return None
    model = without_hooks(model)  # e.g. opacus's per-sample-gradient hooks after DP training
    with torch_threads(config.cpu_threads):
        return _run(dataset, model, config, seed, scores)


def _run(dataset: TabularDataset, model: torch.nn.Module, config: ExplainabilityAuditConfig,
         seed: int, scores: ScoresKind) -> ExplainabilitySection:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    test = dataset.test
    features = tuple(dataset.feature_groups)
    encoded = _encode(dataset, model)
    groups_z = encoded.feature_groups
    n = min(config.n_rows, len(test))
    positions = np.random.default_rng(seed).permutation(len(test))[:n]
    X = torch.from_numpy(np.ascontiguousarray(encoded.X_test[positions]))
    proba = positive_probability(encoded.model, X, scores)
    explainers = _explainers(encoded, config, seed, scores)

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
        grouped[explainer.name] = aggregate(explanation.attributions, groups_z)
        gi = global_importance(grouped[explainer.name], features,
                               bootstrap_replicates=config.bootstrap_replicates,
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
    rows_out, rows_explanation = _row_explanations(primary, dataset, encoded, row_specs, config,
                                                   scores)
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
    proxies = proxy_associations(test.raw, test.sensitive[list(dataset.sensitive_features)],
                                 features, dict(zip(features, primary_importance.tolist())),
                                 threshold=config.proxy_threshold)
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
            # the rows shown one by one carry deltas too: a reader sees them, the check counts them
            shown = (rows_explanation,) if explainer is primary and rows_explanation else ()
            checks.append(completeness_check(explanation, config.completeness_tolerance,
                                             also=shown))
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
        "numeric ones, on every test row and every feature; flagged when >= "
        f"{config.proxy_threshold}, whatever the feature's attribution rank (shown beside it).",
    ]
    if encoded.embedded:
        notes.append(
            f"{', '.join(encoded.embedded)}: integer codes looked up in nn.Embedding, attributed "
            "on the embedding outputs (captum's layer attribution) and summed over the "
            "embedding dimensions; the mean baseline there is the mean embedding.")
    return ExplainabilitySection(
        target=config.target, target_label=target_label, output=output, split="test", n_rows=n,
        primary_method=primary.name, methods=tuple(methods), rows=tuple(rows_out),
        groups=tuple(groups), proxies=tuple(proxies), checks=tuple(_status(c) for c in checks),
        agreement=agreement,
        settings={k: str(v) for k, v in config.model_dump().items()},
        timings=timings, notes=tuple(notes))


def _row_explanations(explainer: Explainer, dataset: TabularDataset, encoded: _Encoded,
                      row_specs: list[tuple[int, str]], config: ExplainabilityAuditConfig,
                      scores: ScoresKind) -> tuple[list[RowExplanation], Explanation | None]:
    """Explain test rows one by one (``row_specs``: test index and why it was picked); also
    return their explanation, whose deltas the completeness check counts."""
    if not row_specs:
        return [], None
    test = dataset.test
    X_all = torch.from_numpy(np.ascontiguousarray(encoded.X_test))
    indices = [r for r, _ in row_specs]
    explanation = explainer.explain(X_all, target=config.target, rows=indices)
    X_rows = X_all[indices]
    forward = ExplainedOutput(explainer.model, explainer.output, explainer.scores)
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
    proba = positive_probability(explainer.model, X_rows, scores)
    grouped = aggregate(explanation.attributions, encoded.feature_groups)
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
    return out, explanation
