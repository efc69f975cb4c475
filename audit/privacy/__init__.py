"""Privacy: DP-SGD training with opacus, accounting, and membership-inference audits."""

from audit.privacy._accounting import default_delta, epsilon, epsilons, noise_for_epsilon
from audit.privacy._bookkeeping import BookKeeper, BookKeepingDPOptimizer, bookkeeping_supported
from audit.privacy._config import PrivacyAuditConfig, PrivacyConfig
from audit.privacy._engine import (
    PrivateTraining,
    choose_grad_sample_mode,
    make_private_training,
    prepare_model,
)
from audit.privacy._errors import DeltaError, UnreachableEpsilonError, UnsupportedModelError
from audit.result._privacy import PrivacySection, PrivacySpend

__all__ = [
    "BookKeeper",
    "BookKeepingDPOptimizer",
    "DeltaError",
    "PrivacyAuditConfig",
    "PrivacyConfig",
    "PrivacySection",
    "PrivacySpend",
    "PrivateTraining",
    "UnreachableEpsilonError",
    "UnsupportedModelError",
    "bookkeeping_supported",
    "choose_grad_sample_mode",
    "default_delta",
    "epsilon",
    "epsilons",
    "make_private_training",
    "noise_for_epsilon",
    "prepare_model",
]
