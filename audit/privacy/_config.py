"""The privacy audit's options (``audits.privacy`` in audit.yaml). The DP-SGD settings
(``training.privacy``) are :class:`audit.dp.PrivacyConfig`. Kept free of heavy imports:
``audit.config`` imports this module."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from audit.core import StrictConfig


class CanaryAuditConfig(StrictConfig):
    """The one-run canary audit (``audits.privacy.canaries``; Steinke, Nasr and Jagielski 2023).

    Parameters
    ----------
    enabled : bool
        Off by default: it trains a twin of the target with the canaries.
    mode : {"black_box", "white_box"}
        ``black_box``: ``m`` training rows with flipped labels, scored by the trained model's
        loss; ``white_box``: gradient canaries inside the DP engine (needs training.privacy).
    m : int
        Canaries, each included with probability 1/2.
    k_plus, k_minus : int, optional
        Guesses "included" (highest scores) and "excluded" (lowest), fixed here before any
        score is seen (default: white-box 5% of ``m`` each; black-box 0 and 10% of ``m``).
    kind : {"auto", "random_inputs", "flipped_labels"}
        Black-box canaries: random inputs (tables) or flipped-label training rows (text);
        ``auto`` picks by the data.
    """

    enabled: bool = False
    mode: Literal["black_box", "white_box"] = "black_box"
    m: int = Field(1000, ge=2)
    k_plus: int | None = Field(None, ge=0)
    k_minus: int | None = Field(None, ge=0)
    kind: Literal["auto", "random_inputs", "flipped_labels"] = "auto"


class PrivacyAuditConfig(StrictConfig):
    """The privacy audit: accounting report plus membership inference.

    Parameters
    ----------
    enabled : bool
    attacks : list of {"loss", "lira_offline", "lira_online", "rmia_offline", "rmia_online"}
        Membership-inference attacks to run on the trained model.
    n_reference_models : int
        Reference models LiRA and RMIA train with the same training core (K; RMIA works from
        1, LiRA needs 2).
    n_audit_members : int
        Training rows used as members (an equal number of test rows are the non-members).
    utility_curve_epsilons : list of float
        Train the model again at each epsilon (and non-private) and record accuracy, attack
        AUC and a fairness gap for each point. Empty: skip.
    confidence_level : float
        Confidence level of the Clopper-Pearson bounds behind the empirical epsilon, of the
        canary audit's bound and of the per-group intervals.
    canaries : CanaryAuditConfig
        The one-run canary audit (off by default).
    group_intersections : list of list of str, optional
        Sensitive-feature intersections of the per-group privacy risk table (default: every
        pair of sensitive features); ``[]`` for none.
    dp_cost_twin : {"reuse", "train"}
        Where the non-private twin of a DP run comes from for each group's accuracy cost under
        DP: ``reuse`` takes the privacy-utility curve's non-private run (no extra training;
        without a curve the table says why it is empty), ``train`` trains one when there is no
        curve (one more training run with the target's data, architecture, seed and epochs).
    """

    enabled: bool = False
    attacks: list[Literal["loss", "lira_offline", "lira_online", "rmia_offline", "rmia_online"]] = Field(
        default_factory=lambda: ["loss"])
    n_reference_models: int = Field(8, ge=1)
    train_references_together: bool = Field(
        True, description="train the reference models as one batched model (Sequential MLPs "
                          "without DP; each equal to its one-by-one twin, 3-6x faster on a "
                          "CPU); false: one fit per model")
    n_audit_members: int = Field(5000, ge=10)
    utility_curve_epsilons: list[float] = Field(default_factory=list)
    confidence_level: float = Field(0.95, gt=0.5, lt=1.0)
    canaries: CanaryAuditConfig = Field(default_factory=CanaryAuditConfig)
    group_intersections: list[list[str]] | None = None
    dp_cost_twin: Literal["reuse", "train"] = "reuse"
