"""A ``lightning.pytorch.Callback`` that audits a text classifier at the end of every epoch.

At each ``on_train_epoch_end`` (after that epoch's validation, so validation metrics are
there) it records one :class:`~audit.result.EpochRecord` into
:attr:`AuditLightningCallback.history`: the scalars the module logged
(``trainer.callback_metrics``, names as logged) and what
:class:`~audit.integrations._epoch_audit.EpochAudit` measures (fairness on held-out texts,
word attributions, privacy spend and, with ``identity_config``, identity-term bias), the same
core as the Hugging Face adapter (:mod:`audit.integrations.huggingface`).

The callback reads the trainer and the module and changes nothing; under distributed training
only the global-zero process records (every process holds the same weights after a step).
``EpochRecord.epoch`` is the 1-based epoch; the global step is in the details.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

try:
    from lightning.pytorch import Callback
except ImportError as exc:  # an optional extra: say how to get it
    raise ImportError("audit.integrations.lightning needs Lightning: pip install 'rai-audit[lightning]' "
                      "(or lightning>=2.4)") from exc

from audit.integrations._epoch_audit import EpochAudit, framework_scalars
from audit.result import EpochRecord


class AuditLightningCallback(Callback):
    """Record fairness, attributions and privacy spend at the end of every Lightning epoch.

    Parameters
    ----------
    tokenizer : fast Hugging Face tokenizer
    model : callable, optional
        ``model(pl_module) -> torch.nn.Module``: the network to audit, whose
        ``forward(input_ids=..., attention_mask=...)`` returns logits (or ``.logits``).
        Default: the ``LightningModule`` itself.
    **options
        :class:`~audit.integrations._epoch_audit.EpochAudit`'s: ``texts``, ``text_pairs``,
        ``labels``, ``sensitive_features``, ``privacy``, ``attribution_samples``, ``n_steps``,
        ``threshold``, ``target``, ``max_length``, ``predict_proba``, ``identity_config``.

    Notes
    -----
    Use: ``cb = AuditLightningCallback(tokenizer, model=lambda m: m.net, texts=texts,
    labels=y, sensitive_features={"g": g})``, then ``lightning.Trainer(callbacks=[cb]).fit(...)``
    and read ``cb.history[-1].metrics``. ``tests/unit/integrations/test_lightning.py`` runs it
    with a real ``lightning.Trainer`` (DP-SGD inside the module); a doctest would train a model.
    """

    def __init__(self, tokenizer, *, model: Callable[[Any], Any] | None = None, **options) -> None:
        super().__init__()
        self.model = model
        self.audit = EpochAudit(tokenizer, **options)

    @property
    def history(self) -> list[EpochRecord]:
        """One record per epoch, in order."""
        return self.audit.history

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        """Record one :class:`EpochRecord` for the epoch that just ended."""
        if not trainer.is_global_zero:
            return
        network = self.model(pl_module) if self.model is not None else pl_module
        self.audit.record(network, epoch=int(trainer.current_epoch) + 1,
                          metrics=framework_scalars(trainer.callback_metrics),
                          details={"global_step": int(trainer.global_step),
                                   "epoch": int(trainer.current_epoch) + 1})
