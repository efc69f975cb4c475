"""Explainability audit: captum attributions a reviewer can trust, globally, per row, per group.

One :class:`Explainer` (one verb, ``explain``, and captum-style capability flags) runs any
registered captum method with automatic, memory-safe batching; attributions of encoded columns
are summed back to the original features; trust checks test completeness, infidelity,
sensitivity, agreement between methods and the model-randomisation sanity check. Text models:
token and word attributions on the embedding layer (:func:`explain_texts`). Tabular models
that look categorical codes up in ``nn.Embedding`` are attributed on the embedding outputs
(:func:`embedding_view`); models with several inputs take a tuple of tensors; one-logit
models are explained as the two-class model with logits ``(0, logit)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit._lazy import lazy_names
from audit.explain._config import ExplainabilityAuditConfig
from audit.explain._plugin import ExplainabilityAudit

#: Public name -> private module. Loaded on first use so that ``audit.config`` (which reads
#: ``ExplainabilityAuditConfig``) does not import torch and captum.
_LAZY = {
    "Baseline": "_baselines", "make_baselines": "_baselines", "run_audit": "_audit",
    "training_callbacks": "_audit",
    "auto_batch_size": "_batching", "available_memory": "_batching",
    "AttributionCallback": "_callback",
    "CheckOutcome": "_checks", "agreement_checks": "_checks", "completeness_check": "_checks",
    "infidelity_check": "_checks", "randomisation_check": "_checks",
    "randomised_copy": "_checks", "sensitivity_check": "_checks",
    "EmbeddedForward": "_embeddings", "EmbeddingView": "_embeddings",
    "embedding_view": "_embeddings",
    "BaselineShapeError": "_errors", "EmbeddingInputError": "_errors", "ExplainError": "_errors",
    "FeatureGroupsError": "_errors", "NotAttributableError": "_errors",
    "NotDifferentiableError": "_errors", "RowsNotFoundError": "_errors",
    "TargetOutOfRangeError": "_errors",
    "METHODS": "_explainers", "ExplainedOutput": "_explainers", "Explainer": "_explainers",
    "Explanation": "_explainers", "MethodSpec": "_explainers", "register_method": "_explainers",
    "without_hooks": "_explainers",
    "GlobalImportance": "_summary", "correlation_ratio": "_summary", "cramers_v": "_summary",
    "global_importance": "_summary", "group_means": "_summary",
    "aggregate": "_tabular", "feature_mask": "_tabular",
    "TEXT_METHOD_LABELS": "_text", "EmbeddingLayerNotFoundError": "_text",
    "MethodTiming": "_text", "TextExplanation": "_text", "TokenizerNotFastError": "_text",
    "explain_texts": "_text", "explained_output": "_text", "find_embedding_layer": "_text",
    "output_logits": "_text", "summarise": "_text", "target_probability": "_text",
    "timed_explain": "_text",
    "explain_texts_batched": "_text_batching",
}

if TYPE_CHECKING:  # pragma: no cover
    from audit.explain._audit import run_audit, training_callbacks
    from audit.explain._baselines import Baseline, make_baselines
    from audit.explain._batching import auto_batch_size, available_memory
    from audit.explain._callback import AttributionCallback
    from audit.explain._checks import (
        CheckOutcome,
        agreement_checks,
        completeness_check,
        infidelity_check,
        randomisation_check,
        randomised_copy,
        sensitivity_check,
    )
    from audit.explain._embeddings import EmbeddedForward, EmbeddingView, embedding_view
    from audit.explain._errors import (
        BaselineShapeError,
        EmbeddingInputError,
        ExplainError,
        FeatureGroupsError,
        NotAttributableError,
        NotDifferentiableError,
        RowsNotFoundError,
        TargetOutOfRangeError,
    )
    from audit.explain._explainers import (
        METHODS,
        ExplainedOutput,
        Explainer,
        Explanation,
        MethodSpec,
        register_method,
        without_hooks,
    )
    from audit.explain._summary import (
        GlobalImportance,
        correlation_ratio,
        cramers_v,
        global_importance,
        group_means,
    )
    from audit.explain._tabular import aggregate, feature_mask
    from audit.explain._text import (
        TEXT_METHOD_LABELS,
        EmbeddingLayerNotFoundError,
        MethodTiming,
        TextExplanation,
        TokenizerNotFastError,
        explain_texts,
        explained_output,
        find_embedding_layer,
        output_logits,
        summarise,
        target_probability,
        timed_explain,
    )
    from audit.explain._text_batching import explain_texts_batched


__all__ = [
    "ExplainabilityAudit",
    "METHODS",
    "TEXT_METHOD_LABELS",
    "AttributionCallback",
    "Baseline",
    "BaselineShapeError",
    "CheckOutcome",
    "EmbeddedForward",
    "EmbeddingInputError",
    "EmbeddingLayerNotFoundError",
    "EmbeddingView",
    "ExplainError",
    "ExplainabilityAuditConfig",
    "ExplainedOutput",
    "Explainer",
    "Explanation",
    "FeatureGroupsError",
    "GlobalImportance",
    "MethodSpec",
    "MethodTiming",
    "NotAttributableError",
    "NotDifferentiableError",
    "RowsNotFoundError",
    "TargetOutOfRangeError",
    "TextExplanation",
    "TokenizerNotFastError",
    "aggregate",
    "agreement_checks",
    "auto_batch_size",
    "available_memory",
    "completeness_check",
    "correlation_ratio",
    "cramers_v",
    "embedding_view",
    "explain_texts",
    "explain_texts_batched",
    "explained_output",
    "feature_mask",
    "find_embedding_layer",
    "global_importance",
    "group_means",
    "infidelity_check",
    "make_baselines",
    "output_logits",
    "randomisation_check",
    "randomised_copy",
    "register_method",
    "run_audit",
    "sensitivity_check",
    "summarise",
    "target_probability",
    "timed_explain",
    "training_callbacks",
    "without_hooks",
]

__getattr__, __dir__ = lazy_names(__name__, _LAZY, __all__)
