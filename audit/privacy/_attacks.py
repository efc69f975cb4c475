"""Membership-inference attacks on a trained classifier: loss threshold and LiRA.

- **Loss threshold** (Yeom et al., 2018): score = minus the target model's cross-entropy loss on
  the example; members tend to have lower loss.
- **LiRA** (Carlini et al., 2022, "Membership inference attacks from first principles"): train
  ``K`` reference models, each on a random half of a population pool (the audited members and
  non-members, plus an optional extra population); every pool example is IN the training set of
  exactly ``floor(K / 2)`` of them (the paper's balanced design). For each audited example the
  statistic is the logit-scaled confidence of its true class,
  ``phi = log(p_y / (1 - p_y)) = z_y - logsumexp(z_{j != y})`` (computed from the logits ``z``,
  stable). Then

  - *online*: ``score = log N(phi; mu_in, s_in^2) - log N(phi; mu_out, s_out^2)``, with the
    Gaussians fitted to the example's IN and OUT reference values;
  - *offline*: ``score = (phi - mu_out) / s_out``, a monotone transform of the paper's one-sided
    test ``1 - P[Z > phi]``, ``Z ~ N(mu_out, s_out^2)`` (the z-score keeps full resolution in
    the tail where the p-value rounds to 1).

  Variances: ``"per_example"`` uses each example's own IN / OUT sample variance; ``"global"``
  uses one variance for all examples, which the paper recommends below 64 reference models
  (``"auto"`` picks it below 64). Online, that one variance is shared by IN and OUT, as in the
  reference code (``fix_variance``), so the log ratio is linear in ``phi``; offline it is the
  OUT variance. Two deliberate differences from the reference code: it takes ``np.std`` of all
  IN values, which also counts the spread *between* examples, where we pool the spread of each
  value around its own example's mean (the variance the per-example test assumes); and it
  centres on the median of the reference values, we on their mean.
"""

from __future__ import annotations

import hashlib
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd
import torch
from scipy.special import logsumexp
from torch.utils.data import ConcatDataset, DataLoader, Dataset, Subset, TensorDataset

from audit.data import TabularSplit
from audit.privacy._attack_errors import (
    MAX_SIZE_RATIO,
    OVERLAP_FIX,
    AttackConfigError,
    EmptyMembershipSetError,
    MembershipImbalanceWarning,
    MembershipOverlapError,
    MembershipWidthMismatchError,
)
from audit.privacy._empirical import check_delta, empirical_epsilon
from audit.privacy._rmia import DEFAULT_GAMMA, DEFAULT_OFFLINE_A, rmia_marginal, rmia_scores
from audit.privacy._roc import auc_delong, fpr_key, roc_points, tpr_at_fpr
from audit.result import AttackName, AttackResult, GroupAttackResult, MembershipAudit
from audit.training import check_model_input, fit, forward_logits, seed_everything

__all__ = [
    "AttackName",
    "AttackResult",
    "GroupAttackResult",
    "MembershipAudit",
    "MembershipSplit",
    "ReferenceTrainer",
    "lira_scores",
    "logit_confidence",
    "loss_scores",
    "make_reference_trainer",
    "membership_inference_audit",
    "per_example_logits",
    "split_membership",
]

LiraVariance = Literal["auto", "per_example", "global"]
OverlapPolicy = Literal["error", "drop"]
#: A callable ``(training subset, seed) -> trained model``; a ``TrainingRun`` is accepted too.
ReferenceTrainer = Callable[[Dataset, int], Any]

#: Below this many reference models, ``lira_variance="auto"`` uses one global variance (paper).
GLOBAL_VARIANCE_BELOW = 64
#: Groups with fewer members or non-members than this are flagged as small.
MIN_GROUP_SIZE = 50

ATTACK_DESCRIPTIONS = {
    "loss": "loss threshold (Yeom et al. 2018): score = -cross-entropy of the target model",
    "lira_offline": "LiRA offline (Carlini et al. 2022): one-sided test against OUT reference "
                    "models, score = (phi - mu_out) / s_out",
    "lira_online": "LiRA online (Carlini et al. 2022): Gaussian likelihood ratio of IN vs OUT "
                   "reference models",
    "rmia_offline": "RMIA offline (Zarifzadeh et al. 2024): fraction of population z with "
                    "[Pr(x|target)/Pr(x)] / [Pr(z|target)/Pr(z)] >= gamma, Pr(x) from OUT "
                    "reference models by the paper's linear approximation",
    "rmia_online": "RMIA online (Zarifzadeh et al. 2024): the same likelihood ratio against "
                   "population z, Pr(x) averaged over IN and OUT reference models",
}

#: RMIA compares each example with at most this many population examples z.
MAX_RMIA_POPULATION = 2000


# --------------------------------------------------------------------------- scores

@torch.no_grad()
def per_example_logits(model: torch.nn.Module, dataset: Dataset, *,
                       batch_size: int = 4096, collate_fn: Callable | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Logits ``(n, n_classes)`` (float64) and labels ``(n,)`` of every example, in order.

    Examples
    --------
    >>> data = TensorDataset(torch.zeros(3, 2), torch.tensor([0, 1, 1]))
    >>> logits, labels = per_example_logits(torch.nn.Linear(2, 2), data)
    >>> logits.shape, labels.tolist()
    ((3, 2), [0, 1, 1])
    """
    was_training = model.training
    model.eval()
    device = next(model.parameters(), torch.zeros(0)).device  # a callable has none
    outputs, labels = [], []
    try:
        for batch in DataLoader(dataset, batch_size=batch_size, shuffle=False,
                                collate_fn=collate_fn):
            inputs = batch[0]
            inputs = ({k: v.to(device) for k, v in inputs.items()} if isinstance(inputs, dict)
                      else inputs.to(device))
            outputs.append(forward_logits(model, inputs).double().cpu())
            labels.append(batch[1].cpu())
    finally:
        model.train(was_training)
    return torch.cat(outputs).numpy(), torch.cat(labels).numpy().astype(np.int64)


def loss_scores(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Loss-attack score: minus the cross-entropy of each example (higher: more member-like).

    Computed in float64 from the logit differences ``d_j = z_j - z_y`` (exact, whatever the
    logits' magnitude) as ``-(m + log1p(sum_{j != argmax} exp(d_j - m)))``, ``m = max_j d_j``:
    for a confidently right example the loss ``log1p(exp(-margin))`` keeps its tiny value
    (``z_y - logsumexp(z)`` rounds it to exactly 0 once the margin passes about 37, so an
    overfit model's members would all tie).

    Examples
    --------
    >>> loss_scores(np.array([[0.0, 0.0]]), np.array([1])).round(4).tolist()
    [-0.6931]
    >>> float(loss_scores(np.array([[0.0, 40.0]]), np.array([1]))[0])
    -4.248354255291589e-18
    """
    z = np.asarray(logits, dtype=np.float64)
    rows = np.arange(len(labels))
    d = z - z[rows, labels][:, None]
    top = d.argmax(axis=1)
    m = d[rows, top]
    rest = np.exp(d - m[:, None])
    rest[rows, top] = 0.0  # the largest term is 1: left out, added back by log1p
    return -(m + np.log1p(rest.sum(axis=1)))


def logit_confidence(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """LiRA's statistic ``phi = log(p_y / (1 - p_y)) = z_y - logsumexp(z_{j != y})``.

    Examples
    --------
    >>> logit_confidence(np.array([[0.0, 2.0]]), np.array([1])).tolist()
    [2.0]
    """
    rows = np.arange(len(labels))
    others = np.array(logits, dtype=np.float64, copy=True)
    others[rows, labels] = -np.inf
    return logits[rows, labels] - logsumexp(others, axis=1)


def _normal_logpdf(x, mean, std):
    return -0.5 * ((x - mean) / std) ** 2 - np.log(std) - 0.5 * np.log(2 * np.pi)


def _pooled_std(values: np.ndarray, mask: np.ndarray, means: np.ndarray) -> float:
    resid = np.where(mask, values - means[None, :], 0.0)
    dof = max(int((mask.sum(axis=0) - 1).clip(min=0).sum()), 1)
    return float(np.sqrt((resid ** 2).sum() / dof))


def lira_scores(target_phi: np.ndarray, reference_phi: np.ndarray, in_mask: np.ndarray, *,
                variant: Literal["online", "offline"],
                variance: Literal["per_example", "global"] = "global") -> np.ndarray:
    """LiRA scores from the target's and the reference models' ``phi`` (see the module doc).

    Parameters
    ----------
    target_phi : array, shape (n,)
    reference_phi : array, shape (K, n)
        ``phi`` of each example under each reference model.
    in_mask : bool array, shape (K, n)
        Whether the example was in the reference model's training set.
    variant : {"online", "offline"}
    variance : {"per_example", "global"}

    Returns
    -------
    numpy.ndarray, shape (n,)
        Higher means more likely a member.

    Examples
    --------
    >>> ref = np.array([[2.0, 0.0], [0.0, 2.0], [2.2, 0.1], [0.1, 2.2]])
    >>> mask = np.array([[1, 0], [0, 1], [1, 0], [0, 1]], bool)
    >>> s = lira_scores(np.array([2.1, 0.0]), ref, mask, variant="online")
    >>> bool(s[0] > 0 > s[1])
    True
    """
    reference_phi = np.asarray(reference_phi, dtype=np.float64)
    in_mask = np.asarray(in_mask, dtype=bool)
    out_mask = ~in_mask
    n_out = out_mask.sum(axis=0)
    mu_out = np.where(out_mask, reference_phi, 0.0).sum(axis=0) / np.maximum(n_out, 1)
    tiny = 1e-12
    if variance == "global":
        s_out = np.full_like(mu_out, max(_pooled_std(reference_phi, out_mask, mu_out), tiny))
    else:
        s_out = np.sqrt(np.where(out_mask, (reference_phi - mu_out) ** 2, 0.0).sum(axis=0)
                        / np.maximum(n_out - 1, 1)) + tiny
    if variant == "offline":
        return (target_phi - mu_out) / s_out
    n_in = in_mask.sum(axis=0)
    mu_in = np.where(in_mask, reference_phi, 0.0).sum(axis=0) / np.maximum(n_in, 1)
    if variance == "global":  # one variance shared by IN and OUT, as the reference code does
        resid = np.where(in_mask, reference_phi - mu_in, reference_phi - mu_out)
        dof = max(int((n_in - 1).clip(min=0).sum() + (n_out - 1).clip(min=0).sum()), 1)
        s_in = s_out = np.full_like(mu_in, max(float(np.sqrt((resid ** 2).sum() / dof)), tiny))
    else:
        s_in = np.sqrt(np.where(in_mask, (reference_phi - mu_in) ** 2, 0.0).sum(axis=0)
                       / np.maximum(n_in - 1, 1)) + tiny
    return _normal_logpdf(target_phi, mu_in, s_in) - _normal_logpdf(target_phi, mu_out, s_out)


# --------------------------------------------------------------------------- data helpers

@dataclass(frozen=True)
class MembershipSplit:
    """Members, non-members and the rest, as returned by :func:`split_membership`."""

    members: TabularSplit
    nonmembers: TabularSplit
    population: TabularSplit


def _take(split: TabularSplit, idx: np.ndarray) -> TabularSplit:
    if not isinstance(split, TabularSplit):  # a text split (audit.text.TextSplit)
        return split.subset(idx)
    return TabularSplit(X=split.X[idx], y=split.y[idx],
                        sensitive=split.sensitive.iloc[idx].reset_index(drop=True),
                        raw=split.raw.iloc[idx].reset_index(drop=True))


def _concat(a: TabularSplit, b: TabularSplit) -> TabularSplit:
    if not isinstance(a, TabularSplit):
        return ConcatDataset([a, b])
    return TabularSplit(X=np.concatenate([a.X, b.X]), y=np.concatenate([a.y, b.y]),
                        sensitive=pd.concat([a.sensitive, b.sensitive], ignore_index=True),
                        raw=pd.concat([a.raw, b.raw], ignore_index=True))


def _array_row_hashes(*arrays: np.ndarray) -> list[bytes]:
    n = len(arrays[0])
    parts = [np.ascontiguousarray(np.asarray(a).reshape(n, -1)) for a in arrays]
    return [hashlib.blake2b(b"".join(p[i].tobytes() for p in parts), digest_size=16).digest()
            for i in range(n)]


def split_membership(train: TabularSplit, held_out: TabularSplit, *, n: int,
                     seed: int = 0) -> MembershipSplit:
    """Members from the training split, an equal number of non-members from held-out data.

    The splits are tables (:class:`~audit.data.TabularSplit`) or texts
    (:class:`audit.text.TextSplit`: rows compared by token ids and label; the population is
    then one dataset of both splits' other rows).

    ``members`` are ``n`` random rows of ``train``. ``nonmembers`` are ``n`` random rows of
    ``held_out`` among those whose features and label appear nowhere in ``train``: a held-out
    row identical to a training row was seen by the model, so it is no non-member (about 15% of
    Adult's test rows duplicate a training row). ``population`` holds every other row of both
    splits, for training LiRA's reference models.

    Raises
    ------
    EmptyMembershipSetError
        ``n`` below 1 or above what the splits hold.

    Examples
    --------
    >>> from audit.data import load_adult
    >>> ds = load_adult()
    >>> sets = split_membership(ds.train, ds.test, n=1000, seed=0)
    >>> len(sets.members), len(sets.nonmembers)
    (1000, 1000)
    """
    seen = set(_row_hashes(train))
    fresh = np.array([h not in seen for h in _row_hashes(held_out)], bool)
    fresh_idx = np.flatnonzero(fresh)
    if not 1 <= n <= min(len(train), len(fresh_idx)):
        raise EmptyMembershipSetError(
            "n", f"1 <= n <= {min(len(train), len(fresh_idx))} (training rows, and held-out rows "
            "that duplicate no training row)", repr(n), "choose a smaller n")
    rng = np.random.default_rng(seed)
    member_idx = np.sort(rng.choice(len(train), n, replace=False))
    nonmember_idx = np.sort(rng.choice(fresh_idx, n, replace=False))
    rest_train = np.setdiff1d(np.arange(len(train)), member_idx)
    rest_held = np.setdiff1d(np.arange(len(held_out)), nonmember_idx)
    return MembershipSplit(
        members=_take(train, member_idx), nonmembers=_take(held_out, nonmember_idx),
        population=_concat(_take(train, rest_train), _take(held_out, rest_held)),
    )


def _has_groups(data: TabularSplit | Dataset) -> bool:
    """A split carrying its sensitive groups (a TabularSplit, or a text split)."""
    frame = getattr(data, "sensitive", None)
    return isinstance(frame, pd.DataFrame) and len(frame.columns) > 0


def _to_dataset(data: TabularSplit | Dataset) -> Dataset:
    return data.to_torch() if isinstance(data, TabularSplit) else data


def _row_hashes(data: TabularSplit | Dataset) -> list[bytes]:
    """A hash of (features, label) per example."""
    if isinstance(data, TabularSplit):
        return _array_row_hashes(data.X, data.y)
    if isinstance(data, TensorDataset):
        return _array_row_hashes(*(t.detach().cpu().numpy() for t in data.tensors[:2]))
    hashes = []
    for i in range(len(data)):
        item = data[i]
        inputs = item[0]
        tensors = [inputs[k] for k in sorted(inputs)] if isinstance(inputs, dict) else [inputs]
        digest = hashlib.blake2b(digest_size=16)
        for t in [*tensors, torch.as_tensor(item[1])]:
            digest.update(torch.as_tensor(t).detach().cpu().numpy().tobytes())
        hashes.append(digest.digest())
    return hashes


def _input_shape(dataset: Dataset) -> tuple:
    inputs = dataset[0][0]
    if isinstance(inputs, dict):
        return tuple(sorted((k, tuple(v.shape[1:]) if v.ndim > 1 else ()) for k, v in
                            inputs.items()))
    return tuple(inputs.shape)


def _subset(dataset: Dataset, idx: np.ndarray) -> Dataset:
    if isinstance(dataset, TensorDataset):
        index = torch.from_numpy(np.asarray(idx, dtype=np.int64))
        return TensorDataset(*(t[index] for t in dataset.tensors))
    return Subset(dataset, [int(i) for i in idx])


def _pool(parts: Sequence[Dataset]) -> Dataset:
    """Concatenate datasets; TensorDatasets are concatenated as tensors (fast to index)."""
    if all(isinstance(p, TensorDataset) for p in parts) and len(
            {len(p.tensors) for p in parts}) == 1:
        return TensorDataset(*(torch.cat(ts) for ts in zip(*(p.tensors for p in parts))))
    return ConcatDataset(list(parts))


#: The note when batched reference training was turned off.
TOGETHER_OFF = "training them together is off (train_references_together: false)"


class _FitReferenceTrainer:
    """What :func:`make_reference_trainer` returns: ``(subset, seed) -> model`` one at a time,
    and :meth:`train_many` for all reference models at once (batched when supported)."""

    def __init__(self, build_model: Callable[[], torch.nn.Module], fit_kwargs: dict[str, Any],
                 together: bool = True, fit_fn: Callable[..., Any] | None = None):
        self.build_model, self.fit_kwargs, self.together = build_model, fit_kwargs, together
        self.fit_fn = fit_fn or fit

    def __call__(self, subset: Dataset, seed: int) -> torch.nn.Module:
        seed_everything(seed)
        model = self.build_model()
        return self.fit_fn(model, subset, seed=seed,
                           **{"progress": False, **self.fit_kwargs}).model

    def train_many(self, pool: Dataset, subsets: Sequence[np.ndarray], seeds: Sequence[int]
                   ) -> tuple[list[torch.nn.Module], str]:
        """Models ``k`` trained on ``pool[subsets[k]]`` with ``seeds[k]``, and a note saying
        whether they were trained together (one batched model) or one by one, and why."""
        from audit.privacy._batched import batched_unsupported_reason, train_batched

        if not self.together:
            reason = TOGETHER_OFF
        elif self.fit_fn is not fit:
            reason = "a training function of its own (fit_fn) is not batched"
        else:
            reason = batched_unsupported_reason(self.build_model(), pool, self.fit_kwargs)
        if not reason:
            kwargs = {k: v for k, v in self.fit_kwargs.items()
                      if k not in ("privacy", "callbacks", "validation", "collate_fn", "loss_fn")}
            models = train_batched(self.build_model, pool, subsets, seeds, **kwargs)
            return models, (f"{len(models)} reference models trained together as one batched "
                            "model (each equal to its separately trained twin)")
        models = [self(_subset(pool, idx), int(seed)) for idx, seed in zip(subsets, seeds)]
        return models, f"reference models trained one by one: {reason}"


def make_reference_trainer(build_model: Callable[[], torch.nn.Module], *, together: bool = True,
                           fit_fn: Callable[..., Any] | None = None,
                           **fit_kwargs: Any) -> ReferenceTrainer:
    """A ``train_reference`` callable that trains ``build_model()`` with :func:`audit.training.fit`.

    Pass the target's training settings (``epochs``, ``batch_size``, ``optimizer``,
    ``learning_rate``, ``privacy`` for a DP target, ...) so reference models match it. The
    returned object also trains all reference models at once (``train_many``): as one batched
    model for Sequential MLPs without DP (:mod:`audit.privacy._batched`; each equal to its
    one-by-one twin), one by one otherwise or with ``together=False``. ``fit_fn`` replaces
    :func:`audit.training.fit` (same signature; the text pipeline's pads batches).

    Examples
    --------
    >>> data = TensorDataset(torch.randn(32, 3), torch.randint(0, 2, (32,)))
    >>> train = make_reference_trainer(lambda: torch.nn.Linear(3, 2), epochs=1, batch_size=8)
    >>> isinstance(train(data, 0), torch.nn.Module)
    True
    """
    return _FitReferenceTrainer(build_model, dict(fit_kwargs), together=together, fit_fn=fit_fn)


# --------------------------------------------------------------------------- metrics

def _group_flags(n_members: int, n_nonmembers: int, fpr_levels: Sequence[float]) -> list[str]:
    flags = []
    if min(n_members, n_nonmembers) < MIN_GROUP_SIZE:
        flags.append(f"small group ({n_members} members, {n_nonmembers} non-members; fewer than "
                     f"{MIN_GROUP_SIZE} on a side): AUC and TPR are very uncertain")
    for level in fpr_levels:
        if n_nonmembers * level < 1:
            flags.append(f"fewer than {1 / level:g} non-members: TPR at FPR {level:g} is "
                         "measured at zero false positives")
    return flags


def _metrics(member_scores, nonmember_scores, fpr_levels, confidence_level):
    points = roc_points(member_scores, nonmember_scores)
    auc, auc_interval = auc_delong(member_scores, nonmember_scores, confidence_level)
    ops = {fpr_key(a): tpr_at_fpr(points, a, confidence_level) for a in fpr_levels}
    return points, auc, auc_interval, ops


def _attack_result(name: AttackName, scores: np.ndarray, is_member: np.ndarray,
                   sensitive: pd.DataFrame | None, *, fpr_levels, confidence_level, delta,
                   eps_confidence) -> AttackResult:
    pos, neg = scores[is_member], scores[~is_member]
    points, auc, auc_interval, ops = _metrics(pos, neg, fpr_levels, confidence_level)
    per_group: dict[str, dict[str, GroupAttackResult]] = {}
    if sensitive is not None:
        for feature in sensitive.columns:
            labels = sensitive[feature].astype(str).to_numpy()
            per_group[str(feature)] = {}
            for group in sorted(set(labels)):
                in_group = labels == group
                g_pos, g_neg = scores[in_group & is_member], scores[in_group & ~is_member]
                _, g_auc, g_interval, g_ops = _metrics(g_pos, g_neg, fpr_levels, confidence_level)
                per_group[str(feature)][group] = GroupAttackResult(
                    n_members=len(g_pos), n_nonmembers=len(g_neg), auc=g_auc,
                    auc_interval=g_interval,
                    tpr_at_fpr={k: op.tpr for k, op in g_ops.items()},
                    tpr_at_fpr_intervals={k: op.interval for k, op in g_ops.items()},
                    fpr_resolvable={fpr_key(a): len(g_neg) * a >= 1 for a in fpr_levels},
                    flags=tuple(_group_flags(len(g_pos), len(g_neg), fpr_levels)),
                )
    return AttackResult(
        name=name, description=ATTACK_DESCRIPTIONS[name], auc=auc, auc_interval=auc_interval,
        tpr_at_fpr={k: op.tpr for k, op in ops.items()},
        tpr_at_fpr_intervals={k: op.interval for k, op in ops.items()},
        fpr_achieved={k: op.fpr for k, op in ops.items()},
        fpr_resolvable={fpr_key(a): len(neg) * a >= 1 for a in fpr_levels},
        roc=points.downsample(), n_members=len(pos), n_nonmembers=len(neg),
        per_group=per_group,
        empirical_epsilon=(empirical_epsilon(pos, neg, delta=delta, confidence_level=eps_confidence)
                           if delta is not None else None),
    )


# --------------------------------------------------------------------------- validation

def _check_options(attacks, train_reference, n_reference, lira_variance, delta, confidence_level,
                   fpr_levels, on_overlap, has_population=True) -> None:
    names = get_args(AttackName)
    if isinstance(attacks, str) or not attacks or any(a not in names for a in attacks) or len(
            set(attacks)) != len(attacks):
        raise AttackConfigError("attacks", f"a non-empty list of distinct names among {names}",
                                repr(attacks), "pass e.g. attacks=('loss', 'lira_online')")
    if on_overlap not in get_args(OverlapPolicy):
        raise AttackConfigError("on_overlap", "'error' or 'drop'", repr(on_overlap),
                                "pass on_overlap='error' (default) or 'drop'")
    if lira_variance not in get_args(LiraVariance):
        raise AttackConfigError("lira_variance", f"one of {get_args(LiraVariance)}",
                                repr(lira_variance), "pass lira_variance='auto'")
    if delta is not None:
        check_delta(delta)
    if not 0 < confidence_level < 1:
        raise AttackConfigError("confidence_level", "a probability in (0, 1), e.g. 0.95",
                                repr(confidence_level), "pass confidence_level=0.95")
    if not fpr_levels or any(not 0 < a < 1 for a in fpr_levels):
        raise AttackConfigError("fpr_levels", "false-positive rates in (0, 1)",
                                repr(fpr_levels), "pass fpr_levels=(0.001, 0.01)")
    if any(a.startswith(("lira", "rmia")) for a in attacks):
        if train_reference is None:
            raise AttackConfigError(
                "train_reference", "a callable (dataset_subset, seed) -> trained model for "
                "LiRA and RMIA", "None", "pass train_reference=make_reference_trainer("
                "build_model, epochs=..., batch_size=...) with the target's settings, or "
                "attacks=('loss',)")
        lira = any(a.startswith("lira") for a in attacks)
        minimum = (4 if lira_variance == "per_example" else 2) if lira else 1
        if n_reference == 1 and not has_population:
            raise AttackConfigError(
                "population", "population examples to train RMIA's one reference model on "
                "(it must not see the audited examples)", "None",
                "pass population=..., or n_reference >= 2")
        if isinstance(n_reference, bool) or not isinstance(n_reference, int) or \
                n_reference < minimum:
            raise AttackConfigError(
                "n_reference", f"an integer >= {minimum} (each example needs IN and OUT "
                "reference models" + (", two of each for per-example variances)"
                                      if minimum == 4 else ")"),
                repr(n_reference), "pass n_reference=16 (LiRA's paper uses 64 or more; RMIA "
                "works from 1)")


def _check_data(members, nonmembers, population, sensitive_members, sensitive_nonmembers,
                model) -> None:
    for where, data in (("members", members), ("nonmembers", nonmembers)):
        if len(data) == 0:
            raise EmptyMembershipSetError(
                where, "at least one example", "0 examples",
                "pass members from the training data and non-members the model never saw")
    shapes = {"members": _input_shape(_to_dataset(members)),
              "nonmembers": _input_shape(_to_dataset(nonmembers))}
    if population is not None and len(population):
        shapes["population"] = _input_shape(_to_dataset(population))
    if len(set(shapes.values())) > 1:
        raise MembershipWidthMismatchError(
            "nonmembers" if shapes["nonmembers"] != shapes["members"] else "population",
            f"examples of the members' input shape {shapes['members']}",
            ", ".join(f"{k} {v}" for k, v in shapes.items()),
            "encode all sets with the preprocessing the model was trained with")
    for where, frame, data in (("sensitive_members", sensitive_members, members),
                               ("sensitive_nonmembers", sensitive_nonmembers, nonmembers)):
        if frame is not None and len(frame) != len(data):
            raise MembershipWidthMismatchError(
                where, f"one row per example ({len(data)})", f"{len(frame)} rows",
                "pass the sensitive groups of exactly these examples, in the same order")
    if (sensitive_members is None) != (sensitive_nonmembers is None) or (
            sensitive_members is not None
            and list(sensitive_members.columns) != list(sensitive_nonmembers.columns)):
        raise MembershipWidthMismatchError(
            "sensitive_nonmembers", "the same sensitive columns as sensitive_members",
            "different columns or only one side given",
            "pass both frames with the same columns, or neither")
    check_model_input(model, _to_dataset(members)[0][0])


# --------------------------------------------------------------------------- the audit

def membership_inference_audit(
    model: torch.nn.Module,
    members: TabularSplit | Dataset,
    nonmembers: TabularSplit | Dataset,
    *,
    sensitive_members: pd.DataFrame | None = None,
    sensitive_nonmembers: pd.DataFrame | None = None,
    attacks: Sequence[AttackName] = ("loss", "lira_offline", "lira_online"),
    train_reference: ReferenceTrainer | None = None,
    n_reference: int = 16,
    population: TabularSplit | Dataset | None = None,
    lira_variance: LiraVariance = "auto",
    delta: float | None = None,
    confidence_level: float = 0.95,
    fpr_levels: Sequence[float] = (0.001, 0.01),
    on_overlap: OverlapPolicy = "error",
    rmia_gamma: float = DEFAULT_GAMMA,
    rmia_offline_a: float = DEFAULT_OFFLINE_A,
    seed: int = 0,
    batch_size: int = 4096,
    intersections: Sequence[Sequence[str]] | None = None,
    collate_fn: Callable | None = None,
) -> MembershipAudit:
    """Run membership-inference attacks on a trained model; report ROC, AUC, TPR at low FPR
    (with intervals), per sensitive group, and the empirical epsilon lower bound.

    Parameters
    ----------
    model : torch.nn.Module
        The trained target classifier (logits out).
    members, nonmembers : TabularSplit or Dataset
        Examples the model was trained on, and examples it never saw (for the census audit:
        a random subset of ``dataset.train`` and an equal-size subset of ``dataset.test``, see
        :func:`split_membership`). Datasets yield ``(inputs, label[, weight])``.
    sensitive_members, sensitive_nonmembers : pandas.DataFrame, optional
        Group label per example and sensitive feature; taken from ``TabularSplit.sensitive``
        when omitted. Without them ``per_group`` is empty.
    attacks : sequence of {"loss", "lira_offline", "lira_online", "rmia_offline", "rmia_online"}
    train_reference : callable, optional
        ``(dataset_subset, seed) -> model`` (or a ``TrainingRun``) training the target's
        architecture with the target's settings, DP or not; needed by LiRA. See
        :func:`make_reference_trainer`.
    n_reference : int
        Reference models for LiRA (the paper uses 64-256; 16 is a practical default).
    population : TabularSplit or Dataset, optional
        Extra examples added to the reference models' pool (never scored), so that each
        reference model trains on about as many rows as the target did.
    lira_variance : {"auto", "per_example", "global"}
        ``"auto"``: global below 64 reference models, as the paper recommends.
    delta : float, optional
        Delta of the empirical epsilon bound (use the accountant's); no bound when omitted.
    confidence_level : float
        Level of every interval and of the empirical epsilon.
    fpr_levels : sequence of float
        FPRs at which TPR is reported.
    on_overlap : {"error", "drop"}
        What to do when non-member rows equal member rows (features and label): raise
        :class:`MembershipOverlapError`, or drop those non-members (counted in the result).
    rmia_gamma, rmia_offline_a : float
        RMIA's likelihood-ratio threshold and its offline approximation's ``a``
        (:mod:`audit.privacy._rmia`).
    seed : int
        Seeds the reference models' halves and their training.
    batch_size : int
        Inference batch size.
    intersections : sequence of sequences of str, optional
        Sensitive-feature intersections of the per-group risk table ``group_risk`` (default:
        every pair of sensitive features; ``()`` for none).
    collate_fn : callable, optional
        Batches examples for inference (e.g. padding token ids, :mod:`audit.text`).

    Returns
    -------
    MembershipAudit

    Raises
    ------
    EmptyMembershipSetError
        Members or non-members empty (also after dropping overlaps).
    MembershipOverlapError
        Non-members identical to members, with ``on_overlap="error"``.
    MembershipWidthMismatchError
        Input shapes or sensitive frames that do not match.
    InvalidDeltaError
        ``delta`` outside (0, 1).
    AttackConfigError
        Unknown attack, LiRA without ``train_reference``, too few reference models, bad
        ``confidence_level``, ``fpr_levels``, ``on_overlap`` or ``lira_variance``.
    ModelInputMismatchError
        The model rejects the members' inputs or does not return ``(batch, 2)`` logits.

    Warns
    -----
    MembershipImbalanceWarning
        When one set is more than twice the size of the other.

    Examples
    --------
    >>> X, y = torch.randn(200, 4), torch.randint(0, 2, (200,))
    >>> model = torch.nn.Linear(4, 2)
    >>> result = membership_inference_audit(
    ...     model, TensorDataset(X[:100], y[:100]), TensorDataset(X[100:], y[100:]),
    ...     attacks=("loss",), delta=1e-3)
    >>> sorted(result.attacks), 0 <= result.attacks["loss"].auc <= 1
    (['loss'], True)
    """
    started = time.perf_counter()
    attacks = tuple(attacks) if not isinstance(attacks, str) else attacks
    _check_options(attacks, train_reference, n_reference, lira_variance, delta, confidence_level,
                   fpr_levels, on_overlap, population is not None and len(population) > 0)
    if sensitive_members is None and _has_groups(members) and _has_groups(nonmembers):
        sensitive_members, sensitive_nonmembers = members.sensitive, nonmembers.sensitive
    _check_data(members, nonmembers, population, sensitive_members, sensitive_nonmembers, model)

    member_hashes = set(_row_hashes(members))
    duplicated = np.array([h in member_hashes for h in _row_hashes(nonmembers)], bool)
    member_ds, nonmember_ds = _to_dataset(members), _to_dataset(nonmembers)
    notes = []
    if duplicated.any():
        if on_overlap == "error":
            raise MembershipOverlapError(
                "nonmembers", "no non-member identical (features and label) to a member",
                f"{int(duplicated.sum())} of {len(duplicated)} non-members equal a member",
                OVERLAP_FIX)
        keep = np.flatnonzero(~duplicated)
        if len(keep) == 0:
            raise EmptyMembershipSetError("nonmembers", "non-members that differ from members",
                                          "every non-member equals a member", OVERLAP_FIX)
        nonmember_ds = _subset(nonmember_ds, keep)
        if sensitive_nonmembers is not None:
            sensitive_nonmembers = sensitive_nonmembers.iloc[keep].reset_index(drop=True)
        notes.append(f"{int(duplicated.sum())} non-members identical to a member were dropped")
    n_m, n_n = len(member_ds), len(nonmember_ds)
    if max(n_m, n_n) > MAX_SIZE_RATIO * min(n_m, n_n):
        warnings.warn(MembershipImbalanceWarning(
            f"{n_m} members vs {n_n} non-members: sizes differ by more than "
            f"{MAX_SIZE_RATIO:g}x; AUC stays valid but low-FPR TPR and the empirical epsilon "
            "lose power. Sample the larger set down to the size of the smaller."), stacklevel=2)

    audited = _pool([member_ds, nonmember_ds])
    is_member = np.r_[np.ones(n_m, bool), np.zeros(n_n, bool)]
    sensitive = (pd.concat([sensitive_members.reset_index(drop=True),
                            sensitive_nonmembers.reset_index(drop=True)], ignore_index=True)
                 if sensitive_members is not None else None)

    t0 = time.perf_counter()
    logits, labels = per_example_logits(model, audited, batch_size=batch_size,
                                        collate_fn=collate_fn)
    scores: dict[str, np.ndarray] = {}
    if "loss" in attacks:
        scores["loss"] = loss_scores(logits, labels)
    seconds = {"target_scoring": time.perf_counter() - t0, "reference_training": 0.0,
               "per_reference_model": 0.0}

    variance_used: Literal["per_example", "global", "none"] = "none"
    n_population = 0
    lira = [a for a in attacks if a.startswith("lira")]
    rmia = [a for a in attacks if a.startswith("rmia")]
    if lira or rmia:
        variance_used = ("global" if n_reference < GLOBAL_VARIANCE_BELOW else "per_example") \
            if lira_variance == "auto" else lira_variance
        if not lira:
            variance_used = "none"
        pool = audited
        if population is not None and len(population):
            n_population = len(population)
            pool = _pool([audited, _to_dataset(population)])
        rng = np.random.default_rng(seed)
        # the paper's balanced design: each pool example is IN for exactly floor(K/2) models
        order = rng.uniform(size=(n_reference, len(pool))).argsort(axis=0)
        in_pool = order < n_reference // 2
        if n_reference == 1:  # RMIA with one model: trained on half the population only,
            # the other half are the population z (each Pr(.) then has its OUT model)
            half = np.random.default_rng(seed + 2).permutation(len(pool) - len(audited))
            in_pool[0, len(audited):] = half < (len(pool) - len(audited)) // 2
        reference_seeds = rng.integers(0, 2**31 - 1, size=n_reference)
        # RMIA's population z: pool rows outside the audited set (else the audited rows)
        z_rows = (np.arange(len(audited), len(pool)) if len(pool) > len(audited)
                  else np.arange(len(audited)))
        if n_reference == 1:
            z_rows = z_rows[~in_pool[0, z_rows]]
        if len(z_rows) > MAX_RMIA_POPULATION:
            z_rows = np.sort(np.random.default_rng(seed + 1).choice(
                z_rows, MAX_RMIA_POPULATION, replace=False))
        z_data = _subset(pool, z_rows) if rmia else None
        reference_phi = np.empty((n_reference, len(audited)))
        reference_p = np.empty((n_reference, len(audited)))
        reference_pz = np.empty((n_reference, len(z_rows)))
        t0 = time.perf_counter()
        subsets = [np.flatnonzero(in_pool[k]) for k in range(n_reference)]
        if hasattr(train_reference, "train_many"):
            trained_models, how = train_reference.train_many(pool, subsets,
                                                             [int(s) for s in reference_seeds])
            notes.append(how)
        else:
            trained_models = (train_reference(_subset(pool, idx), int(s))
                              for idx, s in zip(subsets, reference_seeds))
        for k, trained in enumerate(trained_models):
            trained = trained if isinstance(trained, torch.nn.Module) else trained.model
            ref_logits, _ = per_example_logits(trained, audited, batch_size=batch_size,
                                               collate_fn=collate_fn)
            reference_phi[k] = logit_confidence(ref_logits, labels)
            reference_p[k] = np.exp(loss_scores(ref_logits, labels))
            if rmia:
                z_logits, z_labels = per_example_logits(trained, z_data, batch_size=batch_size,
                                                        collate_fn=collate_fn)
                reference_pz[k] = np.exp(loss_scores(z_logits, z_labels))
        seconds["reference_training"] = time.perf_counter() - t0
        seconds["per_reference_model"] = seconds["reference_training"] / n_reference
        target_phi = logit_confidence(logits, labels)
        in_mask = in_pool[:, :len(audited)]
        for name in lira:
            scores[name] = lira_scores(target_phi, reference_phi, in_mask,
                                       variant=name.removeprefix("lira_"),
                                       variance=variance_used)
        if rmia:
            target_p = np.exp(loss_scores(logits, labels))
            z_logits, z_labels = per_example_logits(model, z_data, batch_size=batch_size,
                                                    collate_fn=collate_fn)
            target_pz = np.exp(loss_scores(z_logits, z_labels))
            for name in rmia:
                variant = name.removeprefix("rmia_")
                if variant == "online" and n_reference < 2:
                    notes.append("rmia_online with one reference model: it trained on the "
                                 "population only, so Pr(x) is that OUT model's probability")
                scores[name] = rmia_scores(
                    target_p, rmia_marginal(reference_p, in_mask, variant=variant,
                                            a=rmia_offline_a),
                    target_pz, rmia_marginal(reference_pz, in_pool[:, z_rows], variant=variant,
                                             a=rmia_offline_a), gamma=rmia_gamma)

    eps_confidence = 1 - (1 - confidence_level) / len(attacks)
    results = {
        name: _attack_result(name, scores[name], is_member, sensitive, fpr_levels=fpr_levels,
                             confidence_level=confidence_level, delta=delta, eps_confidence=eps_confidence)
        for name in attacks
    }
    best_name, best = "", None
    if delta is not None:
        best_name = max(results, key=lambda a: results[a].empirical_epsilon.epsilon_lower_bound)
        best = results[best_name].empirical_epsilon
    if min(n_m, n_n) * min(fpr_levels) < 1:
        notes.append(f"fewer than {1 / min(fpr_levels):g} non-members or members: TPR at FPR "
                     f"{min(fpr_levels):g} is measured at zero false positives")
    group_risk: tuple = ()
    if sensitive is not None and len(sensitive.columns):
        from audit.privacy._group_risk import default_intersections, group_privacy_risk

        predicted = (logits[:, 0] > 0).astype(np.int64) if logits.shape[1] == 1 else \
            logits.argmax(axis=1)
        group_risk = group_privacy_risk(
            scores, is_member, sensitive, predicted == labels,
            intersections=(default_intersections(list(sensitive.columns))
                           if intersections is None else intersections),
            fpr_levels=fpr_levels, confidence_level=confidence_level)
    seconds["total"] = time.perf_counter() - started
    return MembershipAudit(
        attacks=results, n_members=n_m, n_nonmembers=n_n,
        n_nonmembers_dropped=int(duplicated.sum()), n_population=n_population,
        n_reference_models=n_reference if lira or rmia else 0, lira_variance=variance_used,
        delta=float(delta) if delta is not None else None, confidence_level=float(confidence_level),
        empirical_epsilon=best, empirical_epsilon_attack=best_name,
        seconds={k: float(v) for k, v in seconds.items()}, notes=tuple(notes),
        group_risk=group_risk,
    )
