"""Bad input to the membership-inference audit: one typed error (or warning) per case."""

import numpy as np
import pandas as pd
import pytest
import torch
from torch.utils.data import TensorDataset

from audit.data import TabularSplit
from audit.errors import ModelInputMismatchError, RaiAuditError
from audit.privacy._attack_errors import (
    OVERLAP_FIX,
    AttackConfigError,
    AuditWarning,
    EmptyMembershipSetError,
    InvalidDeltaError,
    MembershipImbalanceWarning,
    MembershipOverlapError,
    MembershipWidthMismatchError,
)
from audit.privacy._attacks import membership_inference_audit, split_membership

MODEL = torch.nn.Linear(3, 2)


def data(n, seed=0, width=3):
    g = torch.Generator().manual_seed(seed)
    return TensorDataset(torch.randn(n, width, generator=g), torch.randint(0, 2, (n,), generator=g))


def audit(members=None, nonmembers=None, **kw):
    members = data(50, 0) if members is None else members
    nonmembers = data(50, 1) if nonmembers is None else nonmembers
    return membership_inference_audit(MODEL, members, nonmembers, **{"attacks": ("loss",), **kw})


def test_errors_are_value_errors_with_expected_got_fix():
    with pytest.raises(RaiAuditError) as info:
        audit(delta=2.0)
    assert isinstance(info.value, ValueError)
    problem = info.value.problems[0]
    assert problem.where == "delta" and problem.got == "2.0" and "delta=1e-5" in problem.fix


def test_overlapping_members_and_nonmembers_are_refused():
    members = data(50, 0)
    X, y = members.tensors
    nonmembers = TensorDataset(torch.cat([X[:5], data(45, 1).tensors[0]]),
                               torch.cat([y[:5], data(45, 1).tensors[1]]))
    with pytest.raises(MembershipOverlapError) as info:
        audit(members, nonmembers)
    assert str(info.value) == ("nonmembers: expected no non-member identical (features and label) "
                               "to a member, got 5 of 50 non-members equal a member. "
                               f"Fix: {OVERLAP_FIX}")
    result = audit(members, nonmembers, on_overlap="drop")
    assert (result.n_nonmembers, result.n_nonmembers_dropped) == (45, 5)


def test_same_features_with_another_label_is_no_overlap():
    members = data(50, 0)
    X, y = members.tensors
    result = audit(members, TensorDataset(X.clone(), 1 - y))
    assert result.n_nonmembers_dropped == 0


def test_very_different_sizes_warn():
    assert issubclass(MembershipImbalanceWarning, AuditWarning)
    with pytest.warns(MembershipImbalanceWarning, match="50 members vs 200 non-members"):
        audit(data(50, 0), data(200, 1))


@pytest.mark.parametrize("side", ["members", "nonmembers"])
def test_empty_sets_are_refused(side):
    empty = TensorDataset(torch.zeros(0, 3), torch.zeros(0, dtype=torch.long))
    with pytest.raises(EmptyMembershipSetError, match=f"{side}: expected at least one example"):
        audit(**{side: empty})


def test_mismatched_widths_are_refused():
    with pytest.raises(MembershipWidthMismatchError, match=r"members \(3,\), nonmembers \(4,\)"):
        audit(data(50, 0), data(50, 1, width=4))


def test_model_that_rejects_the_width_is_refused():
    with pytest.raises(ModelInputMismatchError):
        membership_inference_audit(torch.nn.Linear(5, 2), data(50, 0), data(50, 1),
                                   attacks=("loss",))


def test_sensitive_frame_of_wrong_length_is_refused():
    frame = pd.DataFrame({"sex": ["F", "M"] * 10})
    with pytest.raises(MembershipWidthMismatchError, match="one row per example"):
        audit(sensitive_members=frame, sensitive_nonmembers=frame)


@pytest.mark.parametrize("delta", [0.0, 1.0, -1e-5, 3])
def test_delta_outside_unit_interval_is_refused(delta):
    from audit.dp import DeltaError

    with pytest.raises(InvalidDeltaError) as info:
        audit(delta=delta)
    assert isinstance(info.value, DeltaError)


def test_lira_without_reference_trainer_is_refused():
    with pytest.raises(AttackConfigError, match="train_reference"):
        audit(attacks=("lira_online",))


@pytest.mark.parametrize("attacks", [("loss", "rmia"), (), "loss", ("loss", "loss")])
def test_unknown_or_empty_attacks_are_refused(attacks):
    with pytest.raises(AttackConfigError, match="attacks"):
        audit(attacks=attacks)


@pytest.mark.parametrize("n_reference,variance", [(1, "auto"), (3, "per_example")])
def test_too_few_reference_models_are_refused(n_reference, variance):
    with pytest.raises(AttackConfigError, match="n_reference"):
        audit(attacks=("lira_online",), train_reference=lambda d, s: MODEL,
              n_reference=n_reference, lira_variance=variance)


def test_bad_options_are_refused():
    with pytest.raises(AttackConfigError, match="fpr_levels"):
        audit(fpr_levels=(0.0,))
    with pytest.raises(AttackConfigError, match="on_overlap"):
        audit(on_overlap="ignore")


def split(X, y):
    n = len(y)
    return TabularSplit(X=X.astype(np.float32), y=y.astype(np.int64),
                        sensitive=pd.DataFrame({"g": ["a", "b"] * (n // 2)}),
                        raw=pd.DataFrame({"x": np.arange(n)}))


def test_split_membership_skips_heldout_rows_seen_in_training():
    rng = np.random.default_rng(0)
    train = split(rng.normal(size=(100, 3)), rng.integers(0, 2, 100))
    held_X, held_y = rng.normal(size=(40, 3)), rng.integers(0, 2, 40)
    held_X[:20], held_y[:20] = train.X[:20], train.y[:20]  # 20 held-out rows seen in training
    sets = split_membership(train, split(held_X, held_y), n=20, seed=0)
    assert len(sets.members) == len(sets.nonmembers) == 20
    assert len(sets.population) == 80 + 20
    seen = {row.tobytes() for row in train.X}
    assert not any(row.tobytes() in seen for row in sets.nonmembers.X)
    with pytest.raises(EmptyMembershipSetError, match="n: expected 1 <= n <= 20"):
        split_membership(train, split(held_X, held_y), n=21)
