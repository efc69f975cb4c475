"""Typed errors and warnings of the membership-inference audit.

Every error says what was expected, what arrived and how to fix it (see :mod:`audit.errors`);
messages that tests compare are module constants.
"""

from __future__ import annotations

from audit.dp import DeltaError
from audit.errors import RaiAuditError

__all__ = [
    "AttackConfigError",
    "AuditWarning",
    "EmptyMembershipSetError",
    "InvalidDeltaError",
    "MembershipAuditError",
    "MembershipImbalanceWarning",
    "MembershipOverlapError",
    "MembershipWidthMismatchError",
]

#: Members and non-members whose sizes differ by more than this factor trigger a warning.
MAX_SIZE_RATIO = 2.0

OVERLAP_FIX = (
    "pass disjoint sets (members from the training data, non-members from data the model never "
    "saw), or on_overlap='drop' to remove the non-members identical to a member (tables such as "
    "Adult hold duplicate records of different people)"
)


class AuditWarning(UserWarning):
    """Base class of the warnings rai-audit emits about a valid but questionable audit setup."""


class MembershipImbalanceWarning(AuditWarning):
    """Members and non-members differ much in size: AUC stays valid, the low-FPR numbers and the
    empirical epsilon lose power on the smaller side."""


class MembershipAuditError(RaiAuditError):
    """The inputs of a membership-inference audit cannot be audited as given."""


class EmptyMembershipSetError(MembershipAuditError):
    """The members or the non-members are empty."""


class MembershipOverlapError(MembershipAuditError):
    """Some non-member rows are identical (features and label) to member rows."""


class MembershipWidthMismatchError(MembershipAuditError):
    """Members, non-members and the reference population have different feature widths."""


class InvalidDeltaError(MembershipAuditError, DeltaError):
    """``delta`` of the empirical epsilon is outside the open interval (0, 1).

    Also a :class:`audit.privacy.DeltaError`, so one ``except`` catches every bad delta.
    """


class AttackConfigError(MembershipAuditError):
    """An attack option is invalid: unknown attack name, missing reference trainer, bad count."""
