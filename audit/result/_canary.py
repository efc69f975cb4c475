"""Result types of the one-run canary audit and of the per-group privacy risk table."""

from __future__ import annotations

from typing import Literal

from audit.result._base import Interval, schema_dataclass

CanaryMode = Literal["black_box", "white_box"]


@schema_dataclass
class CanaryAudit:
    """The one-run audit of a training run (Steinke, Nasr and Jagielski 2023).

    ``m`` canaries, each included independently with probability 1/2 (``n_included`` were);
    after training the ``k_plus`` highest-scoring canaries are guessed included and the
    ``k_minus`` lowest excluded (a rule fixed before scoring), ``n_correct`` of the
    ``n_guesses`` guesses are right, and ``epsilon_lower_bound`` is the largest epsilon those
    guesses reject at ``confidence_level`` (Theorem 3.1 with ``delta``).

    Attributes
    ----------
    mode : {"black_box", "white_box"}
        ``black_box``: canary examples, scored by minus the trained model's loss on them;
        ``white_box``: gradient canaries added to the clipped per-example gradient sum inside
        the DP engine, scored from the released (noisy) gradients.
    canary : str
        What a canary is (its construction, in one sentence).
    m, n_included, k_plus, k_minus, n_guesses, n_correct : int
    epsilon_lower_bound : float
    max_provable : float
        The bound if every guess were right: no run audited with these ``m`` and ``k`` can
        prove more, whatever its true epsilon.
    delta, confidence_level : float
    accountant_epsilon : float or None
        The accountant's epsilon of the audited run at ``delta`` (None without DP).
    accountant : str
    grad_sample_mode : str
        The DP engine's per-example gradient mode ("" without DP).
    consistent : bool or None
        ``epsilon_lower_bound <= accountant_epsilon`` (None without DP). False means the DP
        implementation or its accounting is broken.
    notes : tuple of str
    epoch_bounds : tuple of float
        The same rule's bound after each epoch (the scores of the updates, or of the model, up
        to that epoch); the last equals ``epsilon_lower_bound``. Empty when not recorded.
    """

    mode: CanaryMode
    canary: str
    m: int
    n_included: int
    k_plus: int
    k_minus: int
    n_guesses: int
    n_correct: int
    epsilon_lower_bound: float
    max_provable: float
    delta: float
    confidence_level: float
    accountant_epsilon: float | None = None
    accountant: str = ""
    grad_sample_mode: str = ""
    consistent: bool | None = None
    notes: tuple[str, ...] = ()
    epoch_bounds: tuple[float, ...] = ()


@schema_dataclass
class GroupPrivacyRisk:
    """One group's (or intersection's) membership-inference risk beside its accuracy.

    Attributes
    ----------
    partition : str
        The sensitive feature, or an intersection written ``"race x sex"``.
    group : str
        The group label (``"White & Male"`` for an intersection).
    attack : str
        The attack whose scores are read (every attack has its rows).
    n_members, n_nonmembers : int
        Audited members and non-members in the group.
    auc : float
    auc_interval : Interval
        DeLong interval (NaN when a side is empty).
    tpr_at_fpr, tpr_at_fpr_intervals : dict
        TPR at each FPR level with its Clopper-Pearson interval.
    accuracy : float
        The target model's accuracy on the group's non-members (held-out rows; NaN if none).
    accuracy_interval : Interval
        Wilson interval of that accuracy.
    small : bool
        Fewer than 50 members or non-members: very uncertain (shown, flagged, not gated).
    """

    partition: str
    group: str
    attack: str
    n_members: int
    n_nonmembers: int
    auc: float
    auc_interval: Interval
    tpr_at_fpr: dict[str, float]
    tpr_at_fpr_intervals: dict[str, Interval]
    accuracy: float
    accuracy_interval: Interval
    small: bool = False
