"""Error kinds that several packages raise are defined once, in audit.errors."""

import audit.counterfactuals
import audit.error_analysis
import audit.errors
import audit.fairness
import audit.robustness


def test_one_unknown_feature_error():
    shared = audit.errors.UnknownFeatureError
    for package in (audit.robustness, audit.counterfactuals, audit.error_analysis):
        assert package.UnknownFeatureError is shared
    assert issubclass(shared, audit.errors.MissingColumnError) and issubclass(shared, ValueError)


def test_group_input_errors_are_the_shared_ones():
    assert audit.fairness.FairnessInputError is audit.errors.GroupInputError
    for name in ("LengthMismatchError", "MissingSensitiveValueError", "NotBinaryError",
                 "ProbabilityRangeError", "SensitiveFeatureMissingError", "SingleGroupError",
                 "TooManyGroupsError"):
        assert getattr(audit.fairness, name) is getattr(audit.errors, name)
        assert issubclass(getattr(audit.errors, name), audit.errors.GroupInputError)
