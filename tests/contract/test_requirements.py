"""What every registered audit needs from the model is stated, with known capability names, and
a model that lacks it is refused before anything runs."""

from __future__ import annotations

import pytest

from audit.config import parse_config
from audit.core import registered_audits
from audit.errors import ModelCapabilityError
from audit.models import CAPABILITIES
from audit.runner import capability_problems, check_config, config_capabilities, enabled_audits


@pytest.mark.parametrize("audit_", registered_audits(), ids=lambda a: a.slug)
def test_requirements_name_known_capabilities(audit_):
    assert isinstance(audit_.requires, frozenset)
    needs = audit_.requirements(audit_.example_config())
    assert needs <= set(CAPABILITIES), needs - set(CAPABILITIES)
    fix = audit_.capability_fix(frozenset(needs), audit_.example_config())
    assert isinstance(fix, str) and fix


@pytest.mark.parametrize("audit_", registered_audits(), ids=lambda a: a.slug)
def test_a_model_with_every_capability_is_refused_nothing(audit_):
    pairs = [(audit_, audit_.example_config())]
    assert capability_problems(pairs, frozenset(CAPABILITIES), "torch module") == []


def test_gradient_methods_of_the_config_are_captums_gradient_methods():
    from audit.explain._config import ALL_METHODS, GRADIENT_METHODS
    from audit.explain._explainers import METHODS

    assert set(GRADIENT_METHODS) == {m for m in ALL_METHODS if METHODS[m].is_gradient_based}


def _config(model: dict, audits: dict):
    return parse_config({"data": {"loader": "csv", "train_path": "a.csv", "test_path": "b.csv",
                                  "target": "y", "sensitive_features": ["g"]},
                         "model": model, "audits": audits})


def test_capabilities_known_from_the_config_alone():
    assert config_capabilities(_config({}, {})) == set(CAPABILITIES)
    assert config_capabilities(_config({"predict_proba": "m:f"}, {})) == {"proba",
                                                                           "per_example_loss"}
    given = config_capabilities(_config({"factory": "m:f", "weights": "w.safetensors",
                                         "encode": "m:e"}, {}))
    assert given == {"proba", "per_example_loss", "logits", "input_gradients"}


def test_every_refusal_is_listed_together_with_its_fix():
    config = _config({"predict_proba": "m:f"}, {
        "explainability": {"enabled": True, "methods": ["saliency"]},
        "counterfactuals": {"enabled": True, "dice_rows": 5},
        "fairness": {"enabled": True, "mitigation": {"enabled": True,
                                                     "methods": ["reweighing"]}}})
    with pytest.raises(ModelCapabilityError) as info:
        check_config(config)
    problems = info.value.problems
    assert [p.where for p in problems] == ["audits.fairness", "audits.explainability",
                                           "audits.counterfactuals"]
    assert all(p.error is ModelCapabilityError for p in problems)
    assert "threshold_optimizer" in problems[0].fix
    assert "feature_ablation" in problems[1].fix
    assert "dice_rows: 0" in problems[2].fix
    assert problems[1].got.startswith("a predict_proba callable m:f, which gives "
                                      "per_example_loss, proba")


def test_the_same_audits_pass_with_defaults_on_a_callable():
    config = _config({"predict_proba": "m:f"}, {"explainability": {"enabled": True},
                                                "fairness": {"enabled": True},
                                                "privacy": {"enabled": True,
                                                            "attacks": ["loss"]}})
    assert capability_problems(enabled_audits(config), config_capabilities(config), "x") == []
