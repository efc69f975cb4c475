"""Result types of the privacy bounds per checkpoint (epoch) of a DP run: the accountants'
upper bounds beside the lower bounds attacks demonstrate."""

from __future__ import annotations

from pydantic import Field

from audit.result._base import schema_dataclass


@schema_dataclass
class CheckpointBound:
    """One lower bound at one checkpoint: its value, or why it cannot be computed there.

    ``value`` is NaN exactly when ``undefined_reason`` is set (never 0 for "not computed").
    """

    value: float
    undefined_reason: str = ""


@schema_dataclass
class PrivacyCheckpoint:
    """The privacy bounds after one epoch of a DP-SGD run.

    Attributes
    ----------
    epoch : int
    final : bool
        The last epoch: the model the run released and the other audits read.
    epsilons : dict of str to float
        Each accountant's epsilon spent so far at the run's delta (``prv``, ``rdp``, ``gdp``:
        upper bounds; GDP an approximation).
    bounds : dict of str to CheckpointBound
        Lower bounds at the same delta: ``loss_attack`` (the loss attack on this epoch's
        model), ``best_attack`` (the strongest configured attack; final model only) and
        ``canary`` (the one-run canary audit on the updates up to this epoch).
    """

    epoch: int
    final: bool
    epsilons: dict[str, float]
    bounds: dict[str, CheckpointBound] = Field(default_factory=dict)
