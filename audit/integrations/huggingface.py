"""A ``transformers.TrainerCallback`` that audits every evaluation of a Hugging Face ``Trainer``.

At each ``on_evaluate`` it records, into :attr:`AuditTrainerCallback.history` (a list of
:class:`~audit.result.EpochRecord`, usable as ``AuditResult.history``):

- the Trainer's own evaluation metrics (``eval/...``);
- fairness on held-out texts with group labels: per-group accuracy, selection rate, TPR and
  FPR and the disparities, from the fairness module's :class:`~audit.fairness.GroupCounts`
  (``fairness/...`` scalars, the same names as :class:`~audit.fairness.FairnessCallback`);
- word attributions (Layer Integrated Gradients) of a few texts: the top words and the
  completeness error (``explain/...``);
- privacy spend when training privately through :func:`audit.privacy.make_private_training`
  (or anything with ``spend() -> PrivacySpend``): ``privacy/epsilon`` and the full spend;
- with ``identity_config``, counterfactual token fairness on the identity templates
  (``text/counterfactual_token_flip_rate[axis]``, ``text/mean_abs_score_change[axis]``), so
  identity-term bias can be followed through training.

Following Hugging Face's contract, the callback reads ``args``, ``state`` and the model and
changes nothing: it never touches ``control``. ``EpochRecord.epoch`` is the evaluation's number
(1-based; it equals the epoch with ``eval_strategy="epoch"``); the Trainer's fractional epoch and
global step are in each record's details.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

import numpy as np
from transformers import TrainerCallback

from audit.result import EpochRecord, PrivacySpend


def _spend(privacy: Any) -> PrivacySpend | None:
    if privacy is None:
        return None
    if isinstance(privacy, PrivacySpend):
        return privacy
    if hasattr(privacy, "spend"):
        return privacy.spend()
    if callable(privacy):
        return privacy()
    from audit.errors import RaiAuditError

    raise RaiAuditError("privacy", "a PrivacySpend, an object with spend() (e.g. PrivateTraining) or a callable",
                        type(privacy).__name__, "pass the object returned by make_private_training")


class AuditTrainerCallback(TrainerCallback):
    """Record fairness, attributions and privacy spend at every ``Trainer`` evaluation.

    Parameters
    ----------
    tokenizer : fast Hugging Face tokenizer
    texts : sequence of str, optional
        Held-out texts to evaluate fairness on and to explain (the first ``attribution_samples``).
    text_pairs : sequence of str, optional
        Second texts of a pair task (e.g. BoolQ passages when ``texts`` are the questions).
    labels : array-like of 0/1, optional
        True labels of ``texts`` (needed for fairness).
    sensitive_features : DataFrame or mapping, optional
        Group labels of ``texts``, one column per feature (enables fairness).
    privacy : PrivateTraining, PrivacySpend or callable, optional
        Where to read the privacy spend from.
    attribution_samples, n_steps : int
        Texts explained per evaluation and Integrated Gradients steps.
    threshold : float
        Decision threshold on the positive-class probability.
    target : int
        Positive class index.
    identity_config : TextBiasConfig, optional
        Axes, templates and pair mode of the identity templates scored at each evaluation (SEAT
        and attributions of that config are not run here).

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

    def __init__(self, tokenizer, *, texts: Sequence[str] | None = None, text_pairs: Sequence[str] | None = None,
                 labels: Any = None, sensitive_features: Any = None, privacy: Any = None,
                 attribution_samples: int = 2, n_steps: int = 16, threshold: float = 0.5, target: int = 1,
                 max_length: int = 128, predict_proba: Callable[..., np.ndarray] | None = None,
                 identity_config: Any = None) -> None:
        self.tokenizer = tokenizer
        self.texts = list(texts) if texts is not None else []
        self.text_pairs = list(text_pairs) if text_pairs is not None else None
        self.labels = labels
        self.sensitive_features = sensitive_features
        self.privacy = privacy
        self.attribution_samples = attribution_samples
        self.n_steps = n_steps
        self.threshold = threshold
        self.target = target
        self.max_length = max_length
        self.predict_proba = predict_proba
        self.identity_config = identity_config
        self.history: list[EpochRecord] = []
        self._encoded = []
        if sensitive_features is not None:
            from audit.core import binary_array, check_lengths, encode_groups, sensitive_frame

            if labels is None:
                from audit.errors import RaiAuditError

                raise RaiAuditError("labels", "true labels of the texts when sensitive_features are given", "None",
                                    "pass labels=... (0/1, one per text)")
            self.labels = binary_array("labels", labels)
            frame = sensitive_frame(sensitive_features)
            check_lengths(labels=self.labels, sensitive_features=frame, texts=np.empty(len(self.texts)))
            self._encoded = [encode_groups(sensitive_frame(frame, [c])) for c in frame.columns]

    # --- one evaluation ---------------------------------------------------------------------

    def _fairness(self, model, metrics: dict[str, float], details: dict[str, Any]) -> None:
        from audit.core import GroupCounts, partition_name
        from audit.fairness import TRACKED_DISPARITIES, TRACKED_METRICS, scalar_name
        from audit.text_bias import hf_predict_proba

        predict = self.predict_proba or hf_predict_proba(model, self.tokenizer, target=self.target,
                                                         max_length=self.max_length)
        scores = predict(self.texts, self.text_pairs) if self.text_pairs is not None else predict(self.texts)
        y_pred = (np.asarray(scores) >= self.threshold).astype(np.int8)
        detail = {}
        for enc in self._encoded:
            counts = GroupCounts.from_codes(self.labels, y_pred, enc.codes, enc.groups, enc.features,
                                            n_dropped=enc.n_dropped)
            name = partition_name(enc.features)
            values, disparities = counts.metrics(), counts.disparities()
            for d in TRACKED_DISPARITIES:
                metrics[scalar_name(d, name)] = float(disparities[d])
            for i, group in enumerate(counts.names):
                for m in TRACKED_METRICS:
                    metrics[scalar_name(m, name, group)] = float(values[m][i])
            detail[name] = {"groups": list(counts.names), "sizes": [int(s) for s in counts.sizes],
                            "disparities": {k: None if np.isnan(v) else float(v) for k, v in disparities.items()}}
        details["fairness"] = detail

    def _attributions(self, model, metrics: dict[str, float], details: dict[str, Any]) -> None:
        from audit.explain import timed_explain

        n = min(self.attribution_samples, len(self.texts))
        pairs = self.text_pairs[:n] if self.text_pairs is not None else None
        explanations, timing = timed_explain(model, self.tokenizer, self.texts[:n], text_pairs=pairs,
                                             n_steps=self.n_steps, max_length=self.max_length, target=self.target)
        metrics["explain/mean_abs_convergence_delta"] = timing.mean_abs_delta
        details["explain/words"] = [
            {"probability": e.probability,
             "top": [[w, s] for w, s in sorted(zip(e.words, e.scores), key=lambda p: -abs(p[1]))[:5]]}
            for e in explanations]

    def _identity(self, model, metrics: dict[str, float]) -> None:
        from audit.text_bias import (
            counterfactual_fairness,
            group_scores,
            hf_predict_proba,
            holistic_bias_templates,
            identity_terms,
            score_axes,
        )

        cfg = self.identity_config
        predict = self.predict_proba or hf_predict_proba(model, self.tokenizer, target=self.target,
                                                         max_length=self.max_length)
        terms = identity_terms(cfg.axes, max_per_group=cfg.max_descriptors_per_group,
                               include_dispreferred=cfg.include_dispreferred)
        question = cfg.pair_question if cfg.pair_mode == "passage_with_question" else None
        for axis in score_axes(predict, holistic_bias_templates()[:cfg.max_templates], terms, pair_question=question):
            groups = group_scores(axis, threshold=cfg.threshold, bootstrap_replicates=1)
            fair = counterfactual_fairness(axis, groups, threshold=cfg.threshold, tolerance=cfg.flip_tolerance,
                                           bootstrap_replicates=1)
            metrics[f"text/counterfactual_token_flip_rate[{axis.axis}]"] = fair.flip_rate
            metrics[f"text/mean_abs_score_change[{axis.axis}]"] = fair.mean_abs_change

    def on_evaluate(self, args, state, control, model=None, metrics=None, **kwargs):
        """Record one :class:`EpochRecord` for this evaluation (``control`` is left unchanged)."""
        scalars: dict[str, float] = {}
        for key, value in (metrics or {}).items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                scalars[key if key.startswith("eval") else f"eval/{key}"] = float(value)
        details: dict[str, Any] = {"global_step": int(state.global_step),
                                   "epoch": float(state.epoch) if state.epoch is not None else None}
        if model is not None and self.texts:
            if self._encoded:
                self._fairness(model, scalars, details)
            if self.attribution_samples:
                self._attributions(model, scalars, details)
        if model is not None and self.identity_config is not None:
            self._identity(model, scalars)
        spend = _spend(self.privacy)
        if spend is not None:
            scalars["privacy/epsilon"] = spend.epsilon
            details["privacy"] = asdict(spend)
        self.history.append(EpochRecord(epoch=len(self.history) + 1, metrics=scalars, details=details))
