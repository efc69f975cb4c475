"""A ``transformers.TrainerCallback`` that audits every evaluation of a Hugging Face ``Trainer``.

At each ``on_evaluate`` it records one :class:`~audit.result.EpochRecord` into
:attr:`AuditTrainerCallback.history` (usable as ``AuditResult.history``): the Trainer's own
evaluation metrics (``eval/...``) and what :class:`~audit.integrations._epoch_audit.EpochAudit`
measures (fairness on held-out texts, word attributions, privacy spend and, with
``identity_config``, identity-term bias). The Lightning adapter
(:mod:`audit.integrations.lightning`) shares the same core.

Following Hugging Face's contract, the callback reads ``args``, ``state`` and the model and
changes nothing: it never touches ``control``. ``EpochRecord.epoch`` is the evaluation's number
(1-based; it equals the epoch with ``eval_strategy="epoch"``); the Trainer's fractional epoch and
global step are in each record's details.
"""

from __future__ import annotations

from transformers import TrainerCallback

from audit.integrations._epoch_audit import EpochAudit, framework_scalars
from audit.result import EpochRecord


class AuditTrainerCallback(TrainerCallback):
    """Record fairness, attributions and privacy spend at every ``Trainer`` evaluation.

    Parameters
    ----------
    tokenizer : fast Hugging Face tokenizer
    **options
        :class:`~audit.integrations._epoch_audit.EpochAudit`'s: ``texts``, ``text_pairs``,
        ``labels``, ``sensitive_features``, ``privacy``, ``attribution_samples``, ``n_steps``,
        ``threshold``, ``target``, ``max_length``, ``predict_proba``, ``identity_config``.

    Examples
    --------
    Pass it as ``Trainer(..., callbacks=[cb])``; the ``Trainer`` calls ``cb.on_evaluate`` at each
    evaluation, as done here by hand on a tiny random BERT (a full ``Trainer`` run is in
    ``tests/unit/text_bias/test_huggingface.py``):

    >>> import torch
    >>> from transformers import BertConfig, BertForSequenceClassification, TrainerState
    >>> from audit.text import load_tokenizer
    >>> tokenizer = load_tokenizer()
    >>> _ = torch.manual_seed(0)
    >>> model = BertForSequenceClassification(BertConfig(
    ...     vocab_size=tokenizer.vocab_size, hidden_size=16, num_hidden_layers=1,
    ...     num_attention_heads=2, intermediate_size=32, max_position_embeddings=64)).eval()
    >>> texts = ["a kind neighbour", "a rude stranger", "the film was wonderful", "the food was awful"]
    >>> cb = AuditTrainerCallback(tokenizer, texts=texts, labels=[1, 0, 1, 0],
    ...                           sensitive_features={"g": ["a", "a", "b", "b"]},
    ...                           attribution_samples=1, n_steps=4)
    >>> cb.on_evaluate(None, TrainerState(global_step=1, epoch=1.0), None, model=model,
    ...                metrics={"eval_loss": 0.69})
    >>> record = cb.history[-1]
    >>> record.metrics["fairness/demographic_parity_difference[g]"]
    0.0
    >>> record.details["fairness"]["g"]["sizes"]
    [2, 2]
    >>> sorted(word for word, score in record.details["explain/words"][0]["top"])
    ['a', 'kind', 'neighbour']
    """

    def __init__(self, tokenizer, **options) -> None:
        self.audit = EpochAudit(tokenizer, **options)

    @property
    def history(self) -> list[EpochRecord]:
        """One record per evaluation, in order."""
        return self.audit.history

    def on_evaluate(self, args, state, control, model=None, metrics=None, **kwargs):
        """Record one :class:`EpochRecord` for this evaluation (``control`` is left unchanged)."""
        details = {"global_step": int(state.global_step),
                   "epoch": float(state.epoch) if state.epoch is not None else None}
        self.audit.record(model, metrics=framework_scalars(metrics, "eval"), details=details)
