"""The privacy bounds of a DP-SGD run per checkpoint (epoch), side by side: each accountant's
epsilon (an upper bound on what any attacker can learn) and the lower bounds that attacks
demonstrate (the loss attack on that epoch's model, the strongest attack on the final model,
the one-run canary audit on the updates up to that epoch).

The loss attack is evaluated during training by :class:`LossAttackCheckpoints`, on the same
members and non-members as the final audit, so its last value is the final loss attack's
bound. Each checkpoint's bound holds at the stated confidence on its own (the thresholds and
the canary guesses follow rules fixed in advance); reading the largest over the epochs would
need a multiple-testing correction, so the final model's bound is the headline.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from audit.result import CheckpointBound, PrivacyCheckpoint
from audit.training import Callback

if TYPE_CHECKING:  # pragma: no cover
    from audit.result import CanaryAudit, EpochRecord, MembershipAudit

#: The history metric the loss-attack callback records after each epoch.
LOSS_ATTACK_METRIC = "privacy/attack_epsilon_lower_bound[loss]"
ACCOUNTANTS = ("prv", "rdp", "gdp")
BOUNDS = ("loss_attack", "best_attack", "canary")
#: One plain sentence per bound: what it means.
MEANINGS = {
    "prv": "PRV accountant: an upper bound on the leakage that holds whatever an attacker does "
           "(numerically tight).",
    "rdp": "RDP accountant: also an upper bound, proved differently and looser than PRV.",
    "gdp": "GDP: a central-limit approximation of the leakage, not a guaranteed bound.",
    "loss_attack": "Loss attack: a lower bound, the leakage an attack that thresholds each "
                   "record's loss demonstrably achieves against the model at this epoch.",
    "best_attack": "Strongest attack: a lower bound demonstrated by the best configured attack "
                   "(LiRA and RMIA need reference models, trained once: final model only).",
    "canary": "Canary audit: a lower bound demonstrated by guessing which of the randomly "
              "included canaries were trained on, from the training run up to this epoch.",
}


class LossAttackCheckpoints(Callback):
    """After each epoch, the loss attack's empirical epsilon lower bound on the model as it is
    (recorded in the history as :data:`LOSS_ATTACK_METRIC`).

    It scores the same members and non-members the final audit uses, under ``torch.no_grad``
    and in eval mode, inside ``torch.random.fork_rng``: training draws the same random numbers
    with and without it.

    Parameters
    ----------
    members, nonmembers : tuple of (array, array)
        Encoded inputs and labels.
    delta : float
        The run's delta.
    confidence_level : float
    batch_size : int
    """

    def __init__(self, members: tuple[np.ndarray, np.ndarray],
                 nonmembers: tuple[np.ndarray, np.ndarray], *, delta: float,
                 confidence_level: float = 0.95, batch_size: int = 4096) -> None:
        self.members, self.nonmembers = members, nonmembers
        self.delta, self.confidence_level, self.batch_size = delta, confidence_level, batch_size

    def _scores(self, model: torch.nn.Module, device, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        from audit.privacy._attacks import loss_scores
        from audit.training import forward_logits

        out = []
        for start in range(0, len(x), self.batch_size):
            batch = torch.as_tensor(x[start:start + self.batch_size]).to(device)
            out.append(forward_logits(model, batch).double().cpu())
        logits = torch.cat(out).numpy()
        if logits.shape[1] == 1:  # one logit: the two-class logits (0, z)
            logits = np.concatenate([np.zeros_like(logits), logits], axis=1)
        return loss_scores(logits, np.asarray(y, dtype=np.int64))

    def on_epoch_end(self, state, control) -> None:
        from audit.privacy._empirical import empirical_epsilon

        model = state.model
        was_training = model.training
        with torch.random.fork_rng(devices=[]), torch.no_grad():
            model.eval()
            try:
                pos = self._scores(model, state.device, *self.members)
                neg = self._scores(model, state.device, *self.nonmembers)
            finally:
                model.train(was_training)
        bound = empirical_epsilon(pos, neg, delta=self.delta,
                                  confidence_level=self.confidence_level)
        control.record(LOSS_ATTACK_METRIC, bound.epsilon_lower_bound)


def _bound(value: float | None, reason: str) -> CheckpointBound:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return CheckpointBound(float("nan"), reason)
    return CheckpointBound(float(value))


def checkpoint_table(history: Sequence[EpochRecord], *, membership: MembershipAudit | None,
                     canary: CanaryAudit | None, attacks: Sequence[str] = (),
                     loss_reason: str = "") -> tuple[PrivacyCheckpoint, ...]:
    """One :class:`PrivacyCheckpoint` per epoch of a DP run's ``history`` (empty when the run
    recorded no epsilon, i.e. was not private).

    ``loss_reason`` says why no loss attack was run per epoch (when it was not); a canary
    audit without per-epoch bounds, or none at all, gives undefined canary bounds with the
    reason.

    Examples
    --------
    >>> from audit.result import EpochRecord
    >>> h = [EpochRecord(e, {"privacy/epsilon[prv]": 0.5 * e, LOSS_ATTACK_METRIC: 0.0})
    ...      for e in (1, 2)]
    >>> rows = checkpoint_table(h, membership=None, canary=None)
    >>> [(r.epoch, r.epsilons["prv"], r.bounds["loss_attack"].value) for r in rows]
    [(1, 0.5, 0.0), (2, 1.0, 0.0)]
    >>> rows[0].bounds["canary"].undefined_reason
    'no canary audit in this run (audits.privacy.canaries.enabled: false)'
    """
    tracked = [r for r in history if any(f"privacy/epsilon[{a}]" in r.metrics
                                         for a in ACCOUNTANTS)]
    rows = []
    best = membership.empirical_epsilon if membership is not None else None
    best_name = membership.empirical_epsilon_attack if membership is not None else ""
    for i, record in enumerate(tracked):
        final = i == len(tracked) - 1
        m = record.metrics
        bounds = {
            "loss_attack": _bound(m.get(LOSS_ATTACK_METRIC), loss_reason or (
                "the loss attack was not run during training")),
        }
        if best is None:
            bounds["best_attack"] = _bound(None, "no membership-inference attack was run "
                                                 "(audits.privacy.attacks)")
        elif not final:
            bounds["best_attack"] = _bound(None, f"{best_name} was run on the final model only "
                                                 "(its reference models are trained once)")
        else:
            bounds["best_attack"] = _bound(best.epsilon_lower_bound, "")
        if canary is None:
            bounds["canary"] = _bound(None, "no canary audit in this run "
                                            "(audits.privacy.canaries.enabled: false)")
        elif i < len(canary.epoch_bounds):
            bounds["canary"] = _bound(canary.epoch_bounds[i], "")
        else:
            bounds["canary"] = _bound(None, "the canary audit recorded no bound at this epoch")
        rows.append(PrivacyCheckpoint(
            epoch=record.epoch, final=final,
            epsilons={a: float(m[f"privacy/epsilon[{a}]"]) for a in ACCOUNTANTS
                      if f"privacy/epsilon[{a}]" in m},
            bounds=bounds))
    return tuple(rows)


def loss_attack_callback(dataset: Any, config: Any, seed: int, privacy: Any) -> list[Callback]:
    """The per-epoch loss-attack callback of a DP tabular run (none otherwise): the members
    and non-members of the final audit (:func:`split_membership`, same ``n`` and seed)."""
    from audit.dp import default_delta
    from audit.privacy._attacks import split_membership

    if privacy is None or "loss" not in config.attacks or not hasattr(dataset.train, "X"):
        return []
    n = min(config.n_audit_members, len(dataset.train), len(dataset.test) // 2)
    split = split_membership(dataset.train, dataset.test, n=n, seed=seed)
    delta = privacy.delta if privacy.delta is not None else default_delta(len(dataset.train))
    return [LossAttackCheckpoints((split.members.X, split.members.y),
                                  (split.nonmembers.X, split.nonmembers.y), delta=delta,
                                  confidence_level=config.confidence_level)]
