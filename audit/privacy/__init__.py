"""Privacy: DP-SGD training with opacus, accounting, and membership-inference audits."""

from audit.privacy._accounting import default_delta, epsilon, epsilons, noise_for_epsilon
from audit.privacy._attack_errors import (
    AttackConfigError,
    AuditWarning,
    EmptyMembershipSetError,
    InvalidDeltaError,
    MembershipAuditError,
    MembershipImbalanceWarning,
    MembershipOverlapError,
    MembershipWidthMismatchError,
)
from audit.privacy._attacks import (
    MembershipSplit,
    ReferenceTrainer,
    lira_scores,
    logit_confidence,
    loss_scores,
    make_reference_trainer,
    membership_inference_audit,
    per_example_logits,
    split_membership,
)
from audit.privacy._audit import privacy_utility_curve
from audit.privacy._bk_sequence import SequenceBookKeeper, sequence_bookkeeping_supported
from audit.privacy._bookkeeping import BookKeeper, BookKeepingDPOptimizer, bookkeeping_supported
from audit.privacy._compare_accountants import AccountantEpsilon, compare_accountants, pld_epsilon
from audit.privacy._config import PrivacyAuditConfig, PrivacyConfig
from audit.privacy._empirical import empirical_epsilon
from audit.privacy._engine import (
    PrivateTraining,
    choose_grad_sample_mode,
    make_private_training,
    prepare_model,
)
from audit.privacy._errors import DeltaError, UnreachableEpsilonError, UnsupportedModelError
from audit.privacy._plugin import PrivacyAudit
from audit.privacy._transformers import PerExampleEmbeddingInputs
from audit.result._membership import (
    AttackName,
    AttackResult,
    EmpiricalEpsilon,
    GroupAttackResult,
    MembershipAudit,
    RocCurve,
)
from audit.result._privacy import PrivacySection, PrivacySpend, UtilityPoint

__all__ = [
    "AccountantEpsilon",
    "PrivacyAudit",
    "AttackConfigError",
    "AttackName",
    "AttackResult",
    "AuditWarning",
    "BookKeeper",
    "BookKeepingDPOptimizer",
    "DeltaError",
    "EmpiricalEpsilon",
    "EmptyMembershipSetError",
    "GroupAttackResult",
    "InvalidDeltaError",
    "MembershipAudit",
    "MembershipAuditError",
    "MembershipImbalanceWarning",
    "MembershipOverlapError",
    "MembershipSplit",
    "MembershipWidthMismatchError",
    "PerExampleEmbeddingInputs",
    "PrivacyAuditConfig",
    "PrivacyConfig",
    "PrivacySection",
    "PrivacySpend",
    "PrivateTraining",
    "ReferenceTrainer",
    "RocCurve",
    "SequenceBookKeeper",
    "UnreachableEpsilonError",
    "UnsupportedModelError",
    "UtilityPoint",
    "bookkeeping_supported",
    "choose_grad_sample_mode",
    "compare_accountants",
    "default_delta",
    "empirical_epsilon",
    "epsilon",
    "epsilons",
    "lira_scores",
    "logit_confidence",
    "loss_scores",
    "make_private_training",
    "make_reference_trainer",
    "membership_inference_audit",
    "noise_for_epsilon",
    "per_example_logits",
    "pld_epsilon",
    "prepare_model",
    "privacy_utility_curve",
    "sequence_bookkeeping_supported",
    "split_membership",
]
