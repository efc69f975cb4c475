"""The DP mechanism: DP-SGD with opacus, below training and below the privacy audit.

:func:`make_private_training` wraps a model, its optimizer and its loader (used by
:func:`audit.training.fit` and by users' own loops); the accountants report epsilon
(:func:`epsilon`, :func:`epsilons`) and derive the noise for a target epsilon
(:func:`noise_for_epsilon`); book-keeping clips per-example gradients in one backward pass
(:class:`BookKeeper`, :class:`SequenceBookKeeper`), and :class:`PerExampleEmbeddingInputs`
lets Hugging Face encoders train under opacus. :class:`PrivacyConfig` holds the settings
(``training.privacy`` in audit.yaml).

This package imports neither training nor the privacy audit (:mod:`audit.privacy`, which
re-exports these names for the API it always had); only :class:`PrivacyConfig` and the errors
load eagerly, the rest (torch, opacus) on first use.

Models brought by users: BatchNorm is refused before training with the valid replacement
(:class:`BatchNormUnderDPError`), a model that opacus's automatic fix left constant is
refused (:class:`ConstantAfterFixError`), and one-logit models train with the binary
cross-entropy of their logit (:func:`classification_loss`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit._lazy import lazy_names
from audit.dp._config import AccountantName, GradSampleMode, PrivacyConfig
from audit.dp._errors import (
    BatchNormUnderDPError,
    ConstantAfterFixError,
    DeltaError,
    UnreachableEpsilonError,
    UnsupportedModelError,
)

#: Public name -> private module, loaded on first use so that ``audit.config`` (which reads
#: ``PrivacyConfig``) does not import torch and opacus.
_LAZY = {
    "check_delta": "_accounting", "default_delta": "_accounting", "epsilon": "_accounting",
    "epsilons": "_accounting", "noise_for_epsilon": "_accounting",
    "AccountantEpsilon": "_compare_accountants", "compare_accountants": "_compare_accountants",
    "pld_epsilon": "_compare_accountants", "poisson_loader": "_poisson",
    "SequenceBookKeeper": "_bk_sequence", "sequence_bookkeeping_supported": "_bk_sequence",
    "BookKeeper": "_bookkeeping", "BookKeepingDPOptimizer": "_bookkeeping",
    "bookkeeping_supported": "_bookkeeping",
    "GradientCanaries": "_canaries", "summarise_canaries": "_canaries",
    "PrivateTraining": "_engine", "choose_grad_sample_mode": "_engine",
    "make_private_training": "_engine", "prepare_model": "_engine",
    "ClassificationLoss": "_loss", "classification_loss": "_loss",
    "per_example_loss": "_loss", "weighted_cross_entropy": "_loss",
    "CONSTANT_RATIO": "_model_fix", "batch_norm_problems": "_model_fix",
    "check_batch_norm": "_model_fix", "check_outputs_vary": "_model_fix",
    "PerExampleEmbeddingInputs": "_transformers", "has_trainable_embeddings": "_transformers",
}

if TYPE_CHECKING:  # pragma: no cover
    from audit.dp._accounting import (
        check_delta,
        default_delta,
        epsilon,
        epsilons,
        noise_for_epsilon,
    )
    from audit.dp._bk_sequence import SequenceBookKeeper, sequence_bookkeeping_supported
    from audit.dp._bookkeeping import BookKeeper, BookKeepingDPOptimizer, bookkeeping_supported
    from audit.dp._canaries import GradientCanaries, summarise_canaries
    from audit.dp._compare_accountants import AccountantEpsilon, compare_accountants, pld_epsilon
    from audit.dp._engine import (
        PrivateTraining,
        choose_grad_sample_mode,
        make_private_training,
        prepare_model,
    )
    from audit.dp._loss import (
        ClassificationLoss,
        classification_loss,
        per_example_loss,
        weighted_cross_entropy,
    )
    from audit.dp._model_fix import (
        CONSTANT_RATIO,
        batch_norm_problems,
        check_batch_norm,
        check_outputs_vary,
    )
    from audit.dp._poisson import poisson_loader
    from audit.dp._transformers import PerExampleEmbeddingInputs, has_trainable_embeddings

__all__ = [
    "CONSTANT_RATIO",
    "AccountantEpsilon",
    "AccountantName",
    "BatchNormUnderDPError",
    "BookKeeper",
    "BookKeepingDPOptimizer",
    "ClassificationLoss",
    "ConstantAfterFixError",
    "DeltaError",
    "GradSampleMode",
    "GradientCanaries",
    "PerExampleEmbeddingInputs",
    "PrivacyConfig",
    "PrivateTraining",
    "SequenceBookKeeper",
    "UnreachableEpsilonError",
    "UnsupportedModelError",
    "batch_norm_problems",
    "bookkeeping_supported",
    "check_batch_norm",
    "check_delta",
    "check_outputs_vary",
    "compare_accountants",
    "choose_grad_sample_mode",
    "classification_loss",
    "default_delta",
    "epsilon",
    "epsilons",
    "has_trainable_embeddings",
    "make_private_training",
    "noise_for_epsilon",
    "pld_epsilon",
    "per_example_loss",
    "poisson_loader",
    "prepare_model",
    "sequence_bookkeeping_supported",
    "summarise_canaries",
    "weighted_cross_entropy",
]

__getattr__, __dir__ = lazy_names(__name__, _LAZY, __all__)
