"""Bad input raises a typed error saying what was expected, what arrived and how to fix it."""

import numpy as np
import pandas as pd
import pytest

from audit.core._groups import (
    FIX_LENGTH,
    FIX_MISSING_VALUES,
    FIX_NOT_BINARY,
    FIX_PROBABILITY_RANGE,
    FIX_SINGLE_GROUP,
    FIX_TOO_MANY_GROUPS,
)
from audit.errors import DataValidationError, RaiAuditError
from audit.fairness import (
    FairnessAuditConfig,
    GroupCounts,
    LengthMismatchError,
    MissingSensitiveValueError,
    NotBinaryError,
    ProbabilityRangeError,
    SensitiveFeatureMissingError,
    SingleGroupError,
    TooManyGroupsError,
    audit_fairness,
    group_fairness,
)

Y = np.array([1, 0, 1, 0, 1, 0])
SEX = {"sex": ["F", "F", "M", "M", "F", "M"]}
NO_BOOT = FairnessAuditConfig(bootstrap_replicates=0, score_bootstrap_replicates=0)


def test_errors_are_value_errors_of_the_project_hierarchy():
    for cls in (LengthMismatchError, MissingSensitiveValueError, NotBinaryError,
                ProbabilityRangeError, SensitiveFeatureMissingError, SingleGroupError,
                TooManyGroupsError):
        assert issubclass(cls, DataValidationError) and issubclass(cls, ValueError)
        assert issubclass(cls, RaiAuditError)


def test_missing_sensitive_feature_names_the_columns_and_suggests():
    with pytest.raises(SensitiveFeatureMissingError) as info:
        audit_fairness(Y, Y * 0.5, pd.DataFrame(SEX), config=FairnessAuditConfig(
            sensitive_features=["sexx"]))
    assert str(info.value) == ("sensitive feature 'sexx': expected one of the columns ['sex'], got "
                               "no such column. Fix: name an existing column. Did you mean 'sex'?")


def test_single_valued_sensitive_feature():
    with pytest.raises(SingleGroupError) as info:
        group_fairness(Y, Y, sensitive_features={"sex": ["F"] * 6}, config=NO_BOOT)
    assert str(info.value) == ("sensitive feature 'sex': expected at least two groups, got the "
                               f"single value 'F' on all 6 rows. Fix: {FIX_SINGLE_GROUP}")


def test_length_mismatch_lists_every_length():
    with pytest.raises(LengthMismatchError) as info:
        group_fairness(Y, Y[:5], sensitive_features=SEX, config=NO_BOOT)
    assert str(info.value) == (
        "y_true / y_pred / sensitive_features: expected the same number of rows in each, got "
        f"y_true has 6, y_pred has 5, sensitive_features has 6. Fix: {FIX_LENGTH}")


def test_non_binary_predictions():
    with pytest.raises(NotBinaryError) as info:
        group_fairness(Y, [0, 1, 2, 0, 1, 0.5], sensitive_features=SEX, config=NO_BOOT)
    assert str(info.value) == ("y_pred: expected binary values 0 and 1 (1 = favourable outcome), "
                               f"got values [0.0, 1.0, 2.0, 0.5] (4 distinct). Fix: {FIX_NOT_BINARY}")
    with pytest.raises(NotBinaryError, match=r"got values \['no', 'yes'\]"):
        GroupCounts.from_predictions(["no", "yes"], [0, 1], {"g": ["a", "b"]})


def test_probabilities_outside_unit_interval():
    with pytest.raises(ProbabilityRangeError) as info:
        group_fairness(Y, y_score=[0.1, 2.5, -1, 0.3, 0.2, 0.9], sensitive_features=SEX,
                       config=NO_BOOT)
    assert str(info.value) == ("y_score: expected probabilities in [0, 1], got 2 values outside, "
                               f"min -1, max 2.5. Fix: {FIX_PROBABILITY_RANGE}")
    with pytest.raises(ProbabilityRangeError, match="got 1 NaN values"):
        group_fairness(Y, y_score=[0.1, np.nan, 0, 0, 0, 0], sensitive_features=SEX)


def test_nan_in_sensitive_feature_requires_a_policy():
    sex = pd.Series(["F", None, "M", "M", np.nan, "M"], name="sex")
    with pytest.raises(MissingSensitiveValueError) as info:
        group_fairness(Y, Y, sensitive_features=sex, config=NO_BOOT)
    assert str(info.value) == ("sensitive feature 'sex': expected a group label on every row, got "
                               f"2 missing values (NaN/None) in 6 rows. Fix: {FIX_MISSING_VALUES}")
    own = group_fairness(Y, Y, sensitive_features=sex,
                         config=NO_BOOT.model_copy(update={"nan_policy": "own_group"}))
    assert [(g.group, g.size) for g in own.groups] == [("F", 1), ("M", 3), ("(missing)", 2)]
    dropped = group_fairness(Y, Y, sensitive_features=sex,
                             config=NO_BOOT.model_copy(update={"nan_policy": "drop"}))
    assert [(g.group, g.size) for g in dropped.groups] == [("F", 1), ("M", 3)]
    assert dropped.n_dropped_missing == 2


def test_too_many_intersectional_groups_says_how_many_and_suggests_binning():
    rng = np.random.default_rng(0)
    n = 2000
    frame = pd.DataFrame({"age": rng.integers(18, 90, n).astype(str),
                          "sex": rng.choice(["F", "M"], n)})
    with pytest.raises(TooManyGroupsError) as info:
        group_fairness(rng.integers(0, 2, n), rng.integers(0, 2, n), sensitive_features=frame,
                       config=NO_BOOT.model_copy(update={"max_groups": 40}))
    assert str(info.value) == ("sensitive features 'age x sex': expected at most 40 groups, got "
                               f"144 groups from age (72) x sex (2). Fix: {FIX_TOO_MANY_GROUPS}")
    assert "bin numeric features" in FIX_TOO_MANY_GROUPS


def test_user_metric_may_not_shadow_a_built_in_metric():
    from audit.fairness import FairnessInputError

    with pytest.raises(FairnessInputError, match=r"metrics\['accuracy'\]: expected a name other "
                                                 r"than the built-in metrics"):
        group_fairness(Y, Y, sensitive_features=SEX, metrics={"accuracy": lambda a, b: 1.0},
                       config=NO_BOOT)


def test_importing_the_config_stays_free_of_fairlearn_streamlit_and_jinja2():
    import subprocess
    import sys

    code = ("import sys, audit.config, audit.fairness; "
            "print(sorted(m for m in ('fairlearn', 'streamlit', 'jinja2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_unknown_feature_in_the_config_fails_before_training():
    from audit.data import build_tabular_dataset
    from audit.fairness import training_callbacks

    frame = pd.DataFrame({"x": np.arange(40.0), "sex": ["F", "M"] * 20, "y": [0, 1, 1, 0] * 10})
    ds = build_tabular_dataset(frame, frame, target="y", sensitive_features=["sex"])
    with pytest.raises(SensitiveFeatureMissingError, match="Did you mean 'sex'"):
        training_callbacks(ds, FairnessAuditConfig(enabled=True, sensitive_features=["sexe"]), 0)
