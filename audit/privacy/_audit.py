"""The privacy audit the config-driven runner calls: spend, attacks, privacy-utility curve."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from audit.dp import PrivacyConfig, default_delta
from audit.privacy._config import PrivacyAuditConfig
from audit.result import PrivacySection, PrivacySpend, UtilityPoint

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from audit.data import TabularDataset
    from audit.training import Callback


def training_callbacks(dataset: TabularDataset, config: PrivacyAuditConfig,
                       seed: int) -> list[Callback]:
    """Privacy spend per epoch is recorded by the trainer itself; no callback needed."""
    return []


def _worst_group_accuracy(y: np.ndarray, pred: np.ndarray,
                          groups: np.ndarray) -> tuple[str, float]:
    """The group with the lowest accuracy, from the shared count engine (audit.core)."""
    from audit.core import GroupCounts, metrics_from_counts

    counts = GroupCounts.from_predictions(y, pred, {"group": groups})
    accuracy = metrics_from_counts(counts.counts)["accuracy"]
    worst = int(np.argmin(accuracy))
    return counts.names[worst], float(accuracy[worst])


def privacy_utility_curve(
    dataset: TabularDataset,
    epsilons: list[float],
    *,
    build_model: Callable[[], torch.nn.Module],
    fit_kwargs: dict[str, Any],
    privacy: PrivacyConfig | None,
    n_audit_members: int,
    seed: int = 0,
) -> tuple[UtilityPoint, ...]:
    """Train the same model at each target epsilon and non-private; measure each run.

    (:func:`utility_curve_runs` also returns the non-private run's model.)

    Each point has test accuracy, the loss attack's AUC (members: training rows, non-members:
    test rows never seen in training), the demographic parity difference over the first
    sensitive feature (fairlearn) and the accuracy of the worst group on it, so the effect of
    DP on small groups (Bagdasaryan et al. 2019) is visible next to the privacy gain. Each run
    also tracks that feature's fairness on the validation split epoch by epoch.
    """
    return utility_curve_runs(dataset, epsilons, build_model=build_model, fit_kwargs=fit_kwargs,
                              privacy=privacy, n_audit_members=n_audit_members, seed=seed)[0]


def utility_curve_runs(dataset: TabularDataset, epsilons: list[float], *,
                       build_model: Callable[[], torch.nn.Module], fit_kwargs: dict[str, Any],
                       privacy: PrivacyConfig | None, n_audit_members: int, seed: int = 0
                       ) -> tuple[tuple[UtilityPoint, ...], torch.nn.Module]:
    """:func:`privacy_utility_curve`'s points and its non-private run's trained model (the
    non-private twin of a DP target: same data, architecture, seed and epochs)."""
    from fairlearn.metrics import demographic_parity_difference

    from audit.fairness import FairnessCallback
    from audit.models import predict_proba
    from audit.privacy._attacks import membership_inference_audit, split_membership
    from audit.training import fit, seed_everything

    base = privacy or PrivacyConfig(target_epsilon=1.0)
    feature = dataset.sensitive_features[0]
    groups = dataset.test.sensitive[feature].to_numpy()
    split = split_membership(dataset.train, dataset.test, n=n_audit_members, seed=seed)
    points, plain_model = [], None
    for target in [*sorted(epsilons), math.inf]:
        tick = time.perf_counter()
        run_privacy = (None if math.isinf(target) else
                       base.model_copy(update={"target_epsilon": target, "noise_multiplier": None}))
        seed_everything(seed)
        tracker = FairnessCallback(dataset.validation.X, dataset.validation.y,
                                   dataset.validation.sensitive[[feature]])
        run = fit(build_model(), dataset.train.to_torch(), privacy=run_privacy, seed=seed,
                  callbacks=[tracker], **{**fit_kwargs, "progress": False})
        pred = (predict_proba(run.model, dataset.test.X) >= 0.5).astype(int)
        attack = membership_inference_audit(run.model, split.members, split.nonmembers,
                                            attacks=("loss",), seed=seed).attacks["loss"]
        worst, worst_acc = _worst_group_accuracy(dataset.test.y, pred, groups)
        points.append(UtilityPoint(
            target_epsilon=target,
            epsilon=run.privacy.epsilon if run.privacy else math.inf,
            noise_multiplier=run.privacy.noise_multiplier if run.privacy else 0.0,
            accuracy=float((pred == dataset.test.y).mean()),
            attack_auc=attack.auc, attack_auc_interval=attack.auc_interval,
            fairness_feature=feature,
            dp_difference=float(demographic_parity_difference(
                dataset.test.y, pred, sensitive_features=groups)),
            worst_group=worst, worst_group_accuracy=worst_acc,
            seconds=time.perf_counter() - tick,
            fairness_history=tuple({k: v for k, v in r.metrics.items() if k.startswith("fairness/")}
                                   for r in run.history)))
        if run_privacy is None:
            plain_model = run.model
    return tuple(points), plain_model


def privacy_notes(spend: PrivacySpend | None, membership, canary=None) -> tuple[str, ...]:
    """Plain-language statements about the guarantee and the measured leakage (report text)."""
    notes = []
    if spend is None:
        notes.append("The model was trained without differential privacy: there is no formal "
                     "guarantee (epsilon is infinite). Only the measured leakage below applies.")
    else:
        notes.append(
            f"Formal guarantee: ({spend.epsilon:.3g}, {spend.delta:g})-DP under the "
            f"{spend.accountant.upper()} accountant, for any one training record: an attacker "
            f"who sees the model can be at most e^{spend.epsilon:.3g} = "
            f"{math.exp(min(spend.epsilon, 700)):.3g} times more confident that a person was in "
            f"the training data than that they were not (except with probability "
            f"{spend.delta:g}).")
    if membership is not None and membership.empirical_epsilon is not None:
        lower = membership.empirical_epsilon.epsilon_lower_bound
        notes.append(
            f"Measured leakage: the strongest attack ({membership.empirical_epsilon_attack}) "
            f"proves epsilon >= {lower:.3g} at {membership.confidence_level:.0%} confidence.")
        if spend is not None and lower > spend.epsilon:
            notes.append("ALARM: the measured lower bound exceeds the accountant's epsilon. "
                         "The DP implementation or its accounting is broken.")
    if canary is not None:
        notes.append(
            f"One-run canary audit ({canary.mode.replace('_', '-')}, {canary.m} canaries, "
            f"{canary.n_correct} of {canary.n_guesses} pre-registered guesses right): epsilon "
            f">= {canary.epsilon_lower_bound:.3g} at {canary.confidence_level:.0%} confidence "
            f"and delta {canary.delta:g} (at most {canary.max_provable:.3g} could be proved "
            f"with these guesses).")
        if canary.consistent is False:
            notes.append("ALARM: the canary bound exceeds the accountant's epsilon. The DP "
                         "implementation or its accounting is broken.")
    return tuple(notes)


def run_audit(dataset: TabularDataset, model: torch.nn.Module, config: PrivacyAuditConfig,
              seed: int, *, spend: PrivacySpend | None = None,
              build_model: Callable[[], torch.nn.Module] | None = None,
              fit_kwargs: dict[str, Any] | None = None,
              privacy: PrivacyConfig | None = None,
              train_reference: Callable[[Any, int], Any] | None = None,
              twin_fit: Callable[..., Any] | None = None,
              history: tuple = ()) -> PrivacySection:
    """Membership inference on the trained model and the privacy-utility curve.

    Members are ``n_audit_members`` random training rows; non-members as many test rows that
    never appear in the training data (see :func:`split_membership`). LiRA's reference models
    are trained on the remaining rows with the target's own settings (``build_model``,
    ``fit_kwargs``, ``privacy``), or by ``train_reference(subset, seed)`` when given (a model
    trained elsewhere: :meth:`audit.models.ModelAdapter.trainer_module`). With
    ``config.canaries.enabled`` a twin of the target is trained with canaries (``twin_fit``, by
    default :func:`audit.training.fit`) for the one-run audit. Text datasets (with a
    ``collate`` method) are scored and retrained with their per-batch padding.

    For a DP run, each sensitive group's accuracy cost under DP is measured against the
    non-private twin (:func:`dp_cost`), and ``history`` (the target's training history) gives
    the per-epoch bounds (:func:`audit.privacy._checkpoints.checkpoint_table`).
    """
    from audit.privacy._attacks import (
        make_reference_trainer,
        membership_inference_audit,
        split_membership,
    )

    fit_kwargs = dict(fit_kwargs or {})
    collate_fn = getattr(dataset, "collate", None)  # text datasets pad each batch
    if collate_fn is not None:
        fit_kwargs["collate_fn"] = collate_fn
    delta = spend.delta if spend is not None else default_delta(len(dataset.train))
    n_members = min(config.n_audit_members, len(dataset.train), len(dataset.test) // 2)
    membership = None
    if config.attacks:
        split = split_membership(dataset.train, dataset.test, n=n_members, seed=seed)
        needs_reference = any(a.startswith(("lira", "rmia")) for a in config.attacks)
        if needs_reference and build_model is None and train_reference is None:
            raise ValueError("LiRA and RMIA need build_model or train_reference to train "
                             "reference models")
        trainer = train_reference if train_reference is not None or not needs_reference else (
            make_reference_trainer(build_model, privacy=privacy,
                                   together=config.train_references_together, fit_fn=twin_fit,
                                   **fit_kwargs))
        membership = membership_inference_audit(
            model, split.members, split.nonmembers, attacks=tuple(config.attacks),
            train_reference=trainer, n_reference=config.n_reference_models,
            population=split.population if needs_reference else None, delta=delta,
            confidence_level=config.confidence_level, seed=seed,
            intersections=config.group_intersections, collate_fn=collate_fn)
    curve: tuple[UtilityPoint, ...] = ()
    extra_notes: list[str] = []
    plain_model = None
    if config.utility_curve_epsilons and build_model is not None:
        if collate_fn is None:
            curve, plain_model = utility_curve_runs(
                dataset, list(config.utility_curve_epsilons), build_model=build_model,
                fit_kwargs=fit_kwargs, privacy=privacy, n_audit_members=n_members, seed=seed)
        else:
            extra_notes.append("The privacy-utility curve is drawn for tabular data only; "
                               "utility_curve_epsilons was not run on this text model.")
    canary = None
    if config.canaries.enabled:
        if build_model is None:
            raise ValueError("the canary audit trains a twin of the target: it needs "
                             "build_model (a model the run trains, not one it loads)")
        from audit.privacy._canary import canary_twin_audit

        canary = canary_twin_audit(
            dataset.train.to_torch() if collate_fn is None else dataset.train, config.canaries,
            build_model=build_model, fit_kwargs=fit_kwargs, privacy=privacy, seed=seed,
            confidence_level=config.confidence_level, fit_fn=twin_fit)
    cost = dp_cost(dataset, model, config, seed, spend=spend, build_model=build_model,
                   fit_kwargs=fit_kwargs, plain_model=plain_model,
                   text=collate_fn is not None)
    from audit.privacy._checkpoints import checkpoint_table

    loss_reason = ("per-epoch attacks run on tabular data only" if collate_fn is not None else
                   "the loss attack is not among audits.privacy.attacks"
                   if "loss" not in config.attacks else "")
    checkpoints = (checkpoint_table(history, membership=membership, canary=canary,
                                    loss_reason=loss_reason) if spend is not None else ())
    return PrivacySection(spend=spend, membership=membership, utility_curve=curve,
                          notes=(*privacy_notes(spend, membership, canary), *extra_notes),
                          canary_audit=canary, group_dp_cost=cost, checkpoints=checkpoints)


def dp_cost(dataset: TabularDataset, model: torch.nn.Module, config: PrivacyAuditConfig,
            seed: int, *, spend: PrivacySpend | None,
            build_model: Callable[[], torch.nn.Module] | None, fit_kwargs: dict[str, Any],
            plain_model: torch.nn.Module | None = None, text: bool = False):
    """Each sensitive group's accuracy cost under DP (:func:`group_dp_cost`), against the
    privacy-utility curve's non-private run when there is one, else a twin trained here when
    ``config.dp_cost_twin`` is ``train``; otherwise no rows, with the reason."""
    from audit.models import predict_proba
    from audit.privacy._group_dp_cost import NO_DP_REASON, group_dp_cost, not_measured
    from audit.privacy._group_risk import default_intersections

    if spend is None:
        return not_measured(NO_DP_REASON)
    if text:
        return not_measured("measured on tabular data only (text groups come from identity "
                            "terms, not columns)")
    if not list(dataset.sensitive_features):
        return not_measured("the data names no sensitive feature")
    if plain_model is not None:
        twin = ("the privacy-utility curve's non-private run (the target's data, architecture, "
                "seed and epochs, without DP): no extra training")
    elif build_model is None:
        return not_measured("the model was trained outside this run: there is no non-private "
                            "twin to compare it with")
    elif config.dp_cost_twin == "train":
        from audit.training import fit, seed_everything

        seed_everything(seed)
        plain_model = fit(build_model(), dataset.train.to_torch(), privacy=None, seed=seed,
                          **{**fit_kwargs, "progress": False}).model
        twin = ("trained for this table (audits.privacy.dp_cost_twin: train): the target's "
                "data, architecture, seed and epochs, without DP")
    else:
        return not_measured("no non-private twin in this run: set "
                            "audits.privacy.utility_curve_epsilons (its non-private run is "
                            "reused) or audits.privacy.dp_cost_twin: train")
    test = dataset.test
    intersections = (config.group_intersections if config.group_intersections is not None
                     else default_intersections(list(test.sensitive.columns)))
    return group_dp_cost(test.y, predict_proba(model, test.X) >= 0.5,
                         predict_proba(plain_model, test.X) >= 0.5, test.sensitive,
                         intersections=intersections, twin=twin,
                         confidence_level=config.confidence_level, seed=seed)
