"""Privacy: the membership-inference audit, and the DP-SGD names of :mod:`audit.dp`.

The DP mechanism (engine, accounting, book-keeping) lives in :mod:`audit.dp`, below training;
this package is the audit above it (attacks that train reference models, the empirical epsilon,
the privacy-utility curve). It re-exports the DP names so that
``from audit.privacy import PrivacyConfig, make_private_training`` keeps working.
"""

from audit.dp import (
    AccountantEpsilon,
    BookKeeper,
    BookKeepingDPOptimizer,
    DeltaError,
    GradientCanaries,
    PerExampleEmbeddingInputs,
    PrivacyConfig,
    PrivateTraining,
    SequenceBookKeeper,
    UnreachableEpsilonError,
    UnsupportedModelError,
    bookkeeping_supported,
    choose_grad_sample_mode,
    compare_accountants,
    default_delta,
    epsilon,
    epsilons,
    make_private_training,
    noise_for_epsilon,
    pld_epsilon,
    prepare_model,
    sequence_bookkeeping_supported,
)
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
from audit.privacy._canary import ExampleCanaries
from audit.privacy._checkpoints import MEANINGS as BOUND_MEANINGS
from audit.privacy._checkpoints import LossAttackCheckpoints, checkpoint_table
from audit.privacy._config import CanaryAuditConfig, PrivacyAuditConfig
from audit.privacy._empirical import empirical_epsilon
from audit.privacy._group_dp_cost import group_dp_cost, worst_cost
from audit.privacy._group_risk import group_privacy_risk, risk_table, worst_group
from audit.privacy._plugin import PrivacyAudit
from audit.result import (
    AttackName,
    AttackResult,
    EmpiricalEpsilon,
    GroupAttackResult,
    MembershipAudit,
    PrivacySection,
    PrivacySpend,
    RocCurve,
    UtilityPoint,
)

__all__ = [
    "AccountantEpsilon",
    "PrivacyAudit",
    "AttackConfigError",
    "AttackName",
    "AttackResult",
    "AuditWarning",
    "BookKeeper",
    "BookKeepingDPOptimizer",
    "CanaryAuditConfig",
    "DeltaError",
    "EmpiricalEpsilon",
    "EmptyMembershipSetError",
    "ExampleCanaries",
    "GradientCanaries",
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
    "group_privacy_risk",
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
    "risk_table",
    "privacy_utility_curve",
    "BOUND_MEANINGS",
    "LossAttackCheckpoints",
    "checkpoint_table",
    "group_dp_cost",
    "worst_cost",
    "sequence_bookkeeping_supported",
    "split_membership",
    "worst_group",
]
