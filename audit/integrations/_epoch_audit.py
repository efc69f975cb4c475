"""The per-epoch audit of a text classifier, shared by the training-loop adapters.

:class:`EpochAudit` holds what is audited (held-out texts, their labels and groups, where the
privacy spend is read, the identity templates) and turns one look at a model into one
:class:`~audit.result.EpochRecord`:

- fairness on the held-out texts: per-group accuracy, selection rate, TPR and FPR and the
  disparities, from the fairness module's :class:`~audit.core.GroupCounts` (``fairness/...``
  scalars, the names of :class:`~audit.fairness.FairnessCallback`);
- word attributions (Layer Integrated Gradients) of a few texts: the top words and the
  completeness error (``explain/...``);
- privacy spend (``privacy/epsilon`` and the full spend in the details);
- with ``identity_config``, counterfactual token fairness on the identity templates
  (``text/counterfactual_token_flip_rate[axis]``, ``text/mean_abs_score_change[axis]``).

The adapters (:mod:`audit.integrations.huggingface`, :mod:`audit.integrations.lightning`) only
translate their framework's hook into :meth:`EpochAudit.record`; they change nothing in the
training loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

import numpy as np

from audit.errors import RaiAuditError
from audit.result import EpochRecord, PrivacySpend


def read_spend(privacy: Any) -> PrivacySpend | None:
    """The privacy spend now: ``privacy`` itself, ``privacy.spend()`` or ``privacy()``.

    Raises
    ------
    RaiAuditError
        ``privacy`` is none of those.
    """
    if privacy is None:
        return None
    if isinstance(privacy, PrivacySpend):
        return privacy
    if hasattr(privacy, "spend"):
        return privacy.spend()
    if callable(privacy):
        return privacy()
    raise RaiAuditError("privacy", "a PrivacySpend, an object with spend() (e.g. PrivateTraining) or a callable",
                        type(privacy).__name__, "pass the object returned by make_private_training")


def framework_scalars(metrics: dict[str, Any] | None, prefix: str | None = None) -> dict[str, float]:
    """The numeric entries of a framework's metrics (tensors of one element are read as
    numbers), named ``prefix/key`` unless the key already starts with ``prefix``; keys are kept
    as they are when ``prefix`` is None."""
    out: dict[str, float] = {}
    for key, value in (metrics or {}).items():
        if hasattr(value, "numel") and value.numel() == 1:
            value = value.item()
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
            out[key if prefix is None or key.startswith(prefix) else f"{prefix}/{key}"] = float(value)
    return out


class EpochAudit:
    """Fairness, attributions, identity-term bias and privacy spend of a text model, once per call.

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
        Where to read the privacy spend from (:func:`read_spend`).
    attribution_samples, n_steps : int
        Texts explained per call and Integrated Gradients steps.
    threshold : float
        Decision threshold on the positive-class probability.
    target : int
        Positive class index.
    max_length : int
        Tokens kept per text when scoring and explaining.
    predict_proba : callable, optional
        ``predict_proba(texts[, text_pairs]) -> P(target)``; default: the model's softmax.
    identity_config : TextBiasConfig, optional
        Axes, templates and pair mode of the identity templates scored at each call (SEAT and
        attributions of that config are not run here).

    Raises
    ------
    RaiAuditError
        Groups without labels, or lengths that differ.
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
                raise RaiAuditError("labels", "true labels of the texts when sensitive_features are given", "None",
                                    "pass labels=... (0/1, one per text)")
            self.labels = binary_array("labels", labels)
            frame = sensitive_frame(sensitive_features)
            check_lengths(labels=self.labels, sensitive_features=frame, texts=np.empty(len(self.texts)))
            self._encoded = [encode_groups(sensitive_frame(frame, [c])) for c in frame.columns]

    def _predict(self, model) -> Callable[..., np.ndarray]:
        from audit.text_bias import hf_predict_proba

        return self.predict_proba or hf_predict_proba(model, self.tokenizer, target=self.target,
                                                      max_length=self.max_length)

    def _fairness(self, model, metrics: dict[str, float], details: dict[str, Any]) -> None:
        from audit.core import GroupCounts, partition_name
        from audit.fairness import TRACKED_DISPARITIES, TRACKED_METRICS, scalar_name

        predict = self._predict(model)
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
            holistic_bias_templates,
            identity_terms,
            score_axes,
        )

        cfg = self.identity_config
        terms = identity_terms(cfg.axes, max_per_group=cfg.max_descriptors_per_group,
                               include_dispreferred=cfg.include_dispreferred)
        question = cfg.pair_question if cfg.pair_mode == "passage_with_question" else None
        for axis in score_axes(self._predict(model), holistic_bias_templates()[:cfg.max_templates], terms,
                               pair_question=question):
            groups = group_scores(axis, threshold=cfg.threshold, bootstrap_replicates=1)
            fair = counterfactual_fairness(axis, groups, threshold=cfg.threshold, tolerance=cfg.flip_tolerance,
                                           bootstrap_replicates=1)
            metrics[f"text/counterfactual_token_flip_rate[{axis.axis}]"] = fair.flip_rate
            metrics[f"text/mean_abs_score_change[{axis.axis}]"] = fair.mean_abs_change

    def record(self, model, *, epoch: int | None = None, metrics: dict[str, float] | None = None,
               details: dict[str, Any] | None = None) -> EpochRecord:
        """Audit ``model`` now and append the :class:`EpochRecord` to :attr:`history`.

        Parameters
        ----------
        model : torch.nn.Module or None
            ``model(input_ids=..., attention_mask=...)`` returns logits (or ``.logits``); None
            records only ``metrics`` and the privacy spend.
        epoch : int, optional
            The record's number (default: one more than the last).
        metrics, details : dict, optional
            The framework's own scalars and context, kept in the record.

        Returns
        -------
        EpochRecord
        """
        scalars = dict(metrics or {})
        info = dict(details or {})
        if model is not None and self.texts:
            if self._encoded:
                self._fairness(model, scalars, info)
            if self.attribution_samples:
                self._attributions(model, scalars, info)
        if model is not None and self.identity_config is not None:
            self._identity(model, scalars)
        spend = read_spend(self.privacy)
        if spend is not None:
            scalars["privacy/epsilon"] = spend.epsilon
            info["privacy"] = asdict(spend)
        record = EpochRecord(epoch=epoch if epoch is not None else len(self.history) + 1,
                             metrics=scalars, details=info)
        self.history.append(record)
        return record
