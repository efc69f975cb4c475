"""Mitigation at the three stages, each compared before/after on the test split.

- pre-processing: Kamiran-Calders reweighing (sample weights honoured by the training core) and
  fairlearn's ``CorrelationRemover``;
- in-processing: fairlearn's ``ExponentiatedGradient`` around :class:`TorchClassifier`, a
  scikit-learn estimator that trains with :func:`audit.training.fit` and honours
  ``sample_weight``;
- post-processing: fairlearn's ``ThresholdOptimizer`` on the audited torch model's scores.

Pre- and in-processing retrain a fresh copy of the audited architecture with the audited
model's own training settings, and their "before" is the audited model; with a quick budget
(``mitigation.epochs``), or for a model trained outside rai-audit (settings unknown), "before"
is an unmitigated retrain with the same budget, so the accuracy cost is not confounded by it.
Post-processing's "before" is the audited model. Every outcome carries the majority-class
accuracy: a mitigation below it has collapsed (it is not a usable model, whatever its
disparity). Groups too small, or with one label, to be fitted on their own are merged into a
stated bucket (:mod:`audit.fairness._mitigation_groups`).
"""

from __future__ import annotations

import contextlib
import copy
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from torch.utils.data import TensorDataset

from audit.core import binary_array, encode_groups, sensitive_frame
from audit.errors import SensitiveFeatureMissingError
from audit.fairness._config import FairnessAuditConfig, MitigationConfig
from audit.fairness._mitigation_groups import merge_small_groups
from audit.fairness._partition import group_fairness
from audit.result import MitigationOutcome, PartitionFairness

_PANDAS4_WARNING = getattr(pd.errors, "Pandas4Warning", FutureWarning)


def reweighing_weights(y_true: Any, groups: Any) -> np.ndarray:
    """Kamiran-Calders weights ``P(g) P(y) / P(g, y)``: label independent of group once weighted.

    Weights have mean 1 over the rows, so a weighted mean loss keeps its scale.

    Examples
    --------
    >>> reweighing_weights([1, 0, 0, 0], ["a", "a", "b", "b"]).round(3)
    array([0.5 , 1.5 , 0.75, 0.75])
    """
    y = binary_array("y_true", y_true).astype(np.intp)
    enc = encode_groups(sensitive_frame(pd.Series(np.asarray(groups), name="group")),
                        require_two_groups=False)
    g = enc.codes
    n = len(y)
    joint = np.bincount(g * 2 + y, minlength=2 * len(enc.groups)).reshape(-1, 2).astype(float)
    p_g = joint.sum(axis=1) / n
    p_y = joint.sum(axis=0) / n
    return p_g[g] * p_y[y] / (joint[g, y] / n)


def fresh_copy(model: torch.nn.Module, seed: int) -> torch.nn.Module:
    """A copy of ``model`` with the same architecture and freshly initialised weights."""
    clone = copy.deepcopy(model).cpu()
    torch.manual_seed(seed)
    for module in clone.modules():
        if hasattr(module, "reset_parameters"):
            module.reset_parameters()
    return clone


class TorchClassifier(ClassifierMixin, BaseEstimator):
    """A scikit-learn binary classifier that trains a torch model with :func:`audit.training.fit`.

    Honours ``sample_weight`` (passed to the training core as ``(x, y, w)`` triples), so
    fairlearn's reductions can use it.

    Parameters
    ----------
    model_factory : callable
        ``model_factory(seed) -> torch.nn.Module`` returning an untrained model.
    epochs, batch_size : int
    learning_rate : float
    optimizer : {"adam", "adamw", "sgd"}
    weight_decay : float
    device : str
    random_state : int

    Examples
    --------
    >>> import torch
    >>> clf = TorchClassifier(lambda seed: torch.nn.Linear(3, 2), epochs=1)
    >>> clf.fit(np.random.rand(32, 3).astype("float32"), np.arange(32) % 2).predict(
    ...     np.zeros((2, 3), dtype="float32")).shape
    (2,)
    """

    def __init__(self, model_factory: Callable[[int], torch.nn.Module] | None = None, *,
                 epochs: int = 3, batch_size: int = 512, learning_rate: float = 2e-3,
                 optimizer: str = "adam", weight_decay: float = 0.0, device: str = "cpu",
                 random_state: int = 0) -> None:
        self.model_factory = model_factory
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.device = device
        self.random_state = random_state

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> TorchClassifier:
        from audit.training import fit

        X = torch.as_tensor(np.asarray(X, dtype=np.float32))
        y = torch.as_tensor(binary_array("y", y).astype(np.int64))
        tensors = [X, y]
        if sample_weight is not None:
            tensors.append(torch.as_tensor(np.asarray(sample_weight, dtype=np.float32)))
        model = self.model_factory(self.random_state)
        run = fit(model, TensorDataset(*tensors), epochs=self.epochs, batch_size=self.batch_size,
                  learning_rate=self.learning_rate, optimizer=self.optimizer,
                  weight_decay=self.weight_decay, seed=self.random_state, device=self.device,
                  progress=False)
        self.model_ = run.model
        self.classes_ = np.array([0, 1])
        return self

    @classmethod
    def from_trained(cls, model: torch.nn.Module) -> TorchClassifier:
        """Wrap an already trained model (e.g. for ``ThresholdOptimizer(prefit=True)``)."""
        clf = cls()
        clf.model_ = model
        clf.classes_ = np.array([0, 1])
        return clf

    def predict_proba(self, X: Any) -> np.ndarray:
        from audit.models import predict_proba

        p = predict_proba(self.model_, np.asarray(X, dtype=np.float32))
        return np.column_stack([1 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


def _outcome(method: str, stage: str, feature: str, baseline: str, settings: dict[str, Any],
             before: PartitionFairness, after: PartitionFairness, acc_before: float,
             acc_after: float, started: float, note: str = "",
             majority: float = float("nan")) -> MitigationOutcome:
    return MitigationOutcome(method=method, stage=stage, feature=feature, baseline=baseline,
                             settings={k: str(v) for k, v in settings.items()}, before=before,
                             after=after, accuracy_before=float(acc_before),
                             accuracy_after=float(acc_after),
                             seconds=time.perf_counter() - started, note=note,
                             majority_accuracy=float(majority))


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Use ``n`` torch CPU threads inside the block (0 leaves the setting alone)."""
    previous = torch.get_num_threads()
    if n > 0:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def retrain_budget(mc: MitigationConfig, training_settings: dict[str, Any] | None
                   ) -> tuple[dict[str, Any], bool]:
    """``(fit keywords of each retrain, whether "before" is the audited model)``.

    The audited model's own settings when the run trained it and no quick budget is set;
    else those settings (or ``fit``'s defaults, for a model trained elsewhere) with the quick
    budget over them, and an unmitigated retrain as "before".
    """
    own = training_settings is not None and mc.epochs is None
    base = dict(training_settings) if training_settings is not None else {
        "epochs": 10, "batch_size": 256, "learning_rate": 1e-3}
    given = {"epochs": mc.epochs, "batch_size": mc.batch_size, "learning_rate": mc.learning_rate}
    budget = {**base, **{k: v for k, v in given.items() if v is not None}}
    budget.setdefault("device", "cpu")
    return budget, own


def run_mitigations(dataset, model: torch.nn.Module, config: FairnessAuditConfig,
                    seed: int = 0, *, training_settings: dict[str, Any] | None = None
                    ) -> tuple[MitigationOutcome, ...]:
    """Try each configured mitigation for one sensitive feature; before/after on the test split.

    Parameters
    ----------
    dataset : TabularDataset
    model : torch.nn.Module
        The audited (trained) model.
    config : FairnessAuditConfig
        ``config.mitigation`` chooses methods, constraints and the retraining budget.
    seed : int
    training_settings : dict, optional
        The audited model's own :func:`audit.training.fit` keywords (epochs, batch size,
        optimizer, learning rate...), when the run trained it: retrains use them and compare
        with the audited model (unless ``mitigation.epochs`` sets a quick budget).

    Returns
    -------
    tuple of MitigationOutcome
        A mitigation that cannot run (fewer than two groups usable for it) is left out; see
        :func:`mitigate` for the reasons.

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
    >>> outcomes = run_mitigations(ds, model, FairnessAuditConfig(mitigation={
    ...     "enabled": True, "methods": ["reweighing"], "epochs": 5, "batch_size": 32,
    ...     "learning_rate": 0.05}))
    >>> o = outcomes[0]
    >>> o.method, round(o.accuracy_cost, 3), round(o.after.disparities[0].value, 2)
    ('reweighing', 0.005, 0.03)
    """
    return mitigate(dataset, model, config, seed, training_settings=training_settings)[0]


def mitigate(dataset, model: torch.nn.Module, config: FairnessAuditConfig, seed: int = 0, *,
             training_settings: dict[str, Any] | None = None
             ) -> tuple[tuple[MitigationOutcome, ...], tuple[str, ...]]:
    """:func:`run_mitigations` and the notes to state beside them (groups merged, mitigations
    skipped with their reason, collapses)."""
    with torch_threads(config.mitigation.torch_threads):
        return _run_mitigations(dataset, model, config, seed, training_settings)


def _settings_text(budget: dict[str, Any]) -> str:
    epochs = budget["epochs"]
    return (f"{epochs} epoch{'s' if epochs != 1 else ''}, batch {budget['batch_size']}, "
            f"{budget.get('optimizer', 'adam')} lr {budget['learning_rate']:g}")


def _run_mitigations(dataset, model: torch.nn.Module, config: FairnessAuditConfig, seed: int,
                     training_settings: dict[str, Any] | None
                     ) -> tuple[tuple[MitigationOutcome, ...], tuple[str, ...]]:
    from fairlearn.postprocessing import ThresholdOptimizer
    from fairlearn.preprocessing import CorrelationRemover
    from fairlearn.reductions import DemographicParity, EqualizedOdds, ExponentiatedGradient

    from audit.models import predict_proba

    mc: MitigationConfig = config.mitigation
    feature = mc.sensitive_feature or (config.sensitive_features or
                                       list(dataset.sensitive_features))[0]
    if feature not in dataset.test.sensitive.columns:
        raise SensitiveFeatureMissingError(
            "mitigation.sensitive_feature", f"one of {list(dataset.test.sensitive.columns)}",
            repr(feature), "name a sensitive feature of the dataset")
    eval_config = config.model_copy(update={"score_bootstrap_replicates": 0})
    train, val, test = dataset.train, dataset.validation, dataset.test
    s_train, s_val, s_test = (split.sensitive[[feature]] for split in (train, val, test))
    majority = float((test.y == int(train.y.mean() >= 0.5)).mean())
    notes: list[str] = []

    def partition(y_pred, scores) -> PartitionFairness:
        pf = group_fairness(test.y, y_pred, y_score=scores, sensitive_features=s_test,
                            config=eval_config, seed=seed)
        return replace(pf, histogram=None)

    def accuracy(y_pred) -> float:
        return float((np.asarray(y_pred) == test.y).mean())

    factory = lambda s: fresh_copy(model, s)  # noqa: E731 - picklable enough for sklearn.clone
    budget, own = retrain_budget(mc, training_settings)
    shown = {k: budget[k] for k in ("epochs", "batch_size", "learning_rate")}
    outcomes: list[MitigationOutcome] = []
    base_scores = predict_proba(model, test.X)
    base_pred = (base_scores >= config.threshold).astype(int)
    audited = (partition(base_pred, base_scores), accuracy(base_pred))

    retrain_methods = {"reweighing", "correlation_remover", "exponentiated_gradient"}
    reference = audited
    if own:
        retrain_baseline = ("the audited model (retrains use its own training settings: "
                            f"{_settings_text(budget)})")
    else:
        retrain_baseline = (f"unmitigated retrain of the same architecture "
                            f"({_settings_text(budget)})"
                            + ("" if mc.epochs is not None else "; the audited model was "
                               "trained outside rai-audit, so its settings are not known"))
        if retrain_methods & set(mc.methods):
            ref = TorchClassifier(factory, random_state=seed, **budget).fit(train.X, train.y)
            ref_scores = ref.predict_proba(test.X)[:, 1]
            ref_pred = (ref_scores >= config.threshold).astype(int)
            reference = (partition(ref_pred, ref_scores), accuracy(ref_pred))

    def add(method, stage, baseline, settings, before, scores_after, pred, started, note=""):
        outcome = _outcome(method, stage, feature, baseline, settings, before[0],
                           partition(pred, scores_after), before[1], accuracy(pred), started,
                           note=note, majority=majority)
        outcomes.append(outcome)
        if outcome.collapsed:
            notes.append(
                f"Mitigation {method} collapsed: its accuracy {100 * outcome.accuracy_after:.1f}% "
                f"is below always predicting the training majority class "
                f"({100 * majority:.1f}%); it is not a usable model, whatever its disparity.")

    if "reweighing" in mc.methods:
        started = time.perf_counter()
        weights = reweighing_weights(train.y, s_train[feature])
        clf = TorchClassifier(factory, random_state=seed, **budget).fit(
            train.X, train.y, sample_weight=weights)
        scores = clf.predict_proba(test.X)[:, 1]
        add("reweighing", "pre-processing", retrain_baseline,
            {**shown, "weights": "Kamiran-Calders P(g)P(y)/P(g,y)",
             "weight_range": f"{weights.min():.3f}-{weights.max():.3f}"},
            reference, scores, (scores >= config.threshold).astype(int), started)

    if "correlation_remover" in mc.methods:
        started = time.perf_counter()
        onehot = pd.get_dummies(s_train[feature].astype(str), dtype=float)
        levels = list(onehot.columns)

        def augmented(split_X, groups) -> np.ndarray:
            hot = pd.get_dummies(pd.Categorical(groups.astype(str), categories=levels),
                                 dtype=float).to_numpy()
            return np.hstack([split_X.astype(np.float64), hot])

        n_x = train.X.shape[1]
        remover = CorrelationRemover(sensitive_feature_ids=list(range(n_x, n_x + len(levels))),
                                     alpha=mc.correlation_alpha)
        X_train = remover.fit_transform(augmented(train.X, s_train[feature])).astype(np.float32)
        X_test = remover.transform(augmented(test.X, s_test[feature])).astype(np.float32)
        clf = TorchClassifier(factory, random_state=seed, **budget).fit(X_train, train.y)
        scores = clf.predict_proba(X_test)[:, 1]
        add("correlation_remover", "pre-processing", retrain_baseline,
            {**shown, "alpha": mc.correlation_alpha,
             "sensitive_columns": f"one-hot {feature} ({len(levels)} groups)"},
            reference, scores, (scores >= config.threshold).astype(int), started,
            note=f"features decorrelated from {feature}; its own encoded columns become constant")

    if "threshold_optimizer" in mc.methods:
        plan = merge_small_groups(s_val[feature], val.y, also=s_test[feature])
        if plan.skipped:
            notes.append(f"Mitigation threshold_optimizer skipped for {feature}: {plan.skipped} "
                         f"(validation split, {len(val):,} rows).")
        else:
            g_val, g_test = plan.apply(s_val[feature]), plan.apply(s_test[feature])
            wrapped = TorchClassifier.from_trained(model)
            for constraint in mc.constraints:
                started = time.perf_counter()
                optimizer = ThresholdOptimizer(estimator=wrapped, constraints=constraint,
                                               objective="accuracy_score", prefit=True,
                                               predict_method="predict_proba")
                optimizer.fit(val.X, val.y, sensitive_features=g_val)
                pred = optimizer.predict(test.X, sensitive_features=g_test, random_state=seed)
                pmf = optimizer._pmf_predict(test.X, sensitive_features=g_test)[:, 1]
                note = "randomised group thresholds; scores after are P(predict favourable)"
                add(f"threshold_optimizer[{constraint}]", "post-processing", "the audited model",
                    {"constraint": constraint, "objective": "accuracy_score",
                     "fitted_on": f"validation split ({len(val):,} rows)"},
                    audited, np.clip(pmf, 0.0, 1.0), pred, started,
                    note=note + (f"; {plan.note}" if plan.note else ""))

    if "exponentiated_gradient" in mc.methods:
        plan = merge_small_groups(s_train[feature], train.y)
        constraints = {"demographic_parity": DemographicParity, "equalized_odds": EqualizedOdds}
        eg_budget = {**budget, "epochs": mc.exponentiated_gradient_epochs or budget["epochs"]}
        eg_reference, eg_baseline = reference, retrain_baseline
        if eg_budget["epochs"] != budget["epochs"] and not plan.skipped:
            # fewer epochs per fit than the audited model had: compare like with like
            ref = TorchClassifier(factory, random_state=seed, **eg_budget).fit(train.X, train.y)
            ref_scores = ref.predict_proba(test.X)[:, 1]
            ref_pred = (ref_scores >= config.threshold).astype(int)
            eg_reference = (partition(ref_pred, ref_scores), accuracy(ref_pred))
            eg_baseline = (f"unmitigated retrain of the same architecture "
                           f"({_settings_text(eg_budget)}, the budget of each of its fits)")
        if plan.skipped:
            notes.append(f"Mitigation exponentiated_gradient skipped for {feature}: "
                         f"{plan.skipped} (training split, {len(train):,} rows).")
        for constraint in mc.constraints if not plan.skipped else ():
            started = time.perf_counter()
            estimator = TorchClassifier(factory, random_state=seed, **eg_budget)
            reduction = ExponentiatedGradient(
                estimator, constraints=constraints[constraint](),
                eps=mc.exponentiated_gradient_eps, max_iter=mc.exponentiated_gradient_max_iter)
            with warnings.catch_warnings():
                # fairlearn 0.15's utility_parity.load_data enlarges a float Series with .at and
                # bools, which pandas 3 deprecates; the result is still correct
                warnings.filterwarnings("ignore", category=_PANDAS4_WARNING, module=r"fairlearn\.")
                reduction.fit(train.X, train.y, sensitive_features=plan.apply(s_train[feature]))
            pred = reduction.predict(test.X, random_state=seed)
            pmf = reduction._pmf_predict(test.X)[:, 1]
            note = "randomised mixture of retrained models; scores after are P(predict favourable)"
            add(f"exponentiated_gradient[{constraint}]", "in-processing", eg_baseline,
                {"constraint": constraint, "eps": mc.exponentiated_gradient_eps,
                 "max_iter": mc.exponentiated_gradient_max_iter,
                 "epochs_per_fit": eg_budget["epochs"],
                 "fits": len(reduction.predictors_), "batch_size": budget["batch_size"]},
                eg_reference, np.clip(pmf, 0.0, 1.0), pred, started,
                note=note + (f"; {plan.note}" if plan.note else ""))
    return tuple(outcomes), tuple(notes)
