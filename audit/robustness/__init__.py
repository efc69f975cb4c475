"""Controllability and robustness checks on a trained model.

Counterfactual stability (change only a sensitive attribute, or an identity term in a text, and
count how many decisions flip), stability under small input noise and plausible one-feature
perturbations, and the decision-threshold sensitivity of accuracy and fairness. Every flip rate
comes with an exact (Clopper-Pearson) interval. The checks take any ``predict(X) -> scores``
callable; :func:`run_audit` wraps a torch model.
"""

from audit.result import (
    CounterfactualFeature,
    FlipRate,
    NoiseStability,
    PerturbationStability,
    RobustnessSection,
    TextCounterfactualStability,
    ThresholdCurve,
    ThresholdSensitivity,
)
from audit.robustness._audit import audit_robustness, plain_reading, run_audit, training_callbacks
from audit.robustness._config import RobustnessAuditConfig
from audit.robustness._counterfactual import counterfactual_stability, with_category, with_numeric
from audit.robustness._errors import RobustnessInputError, UnknownFeatureError
from audit.robustness._flips import flip_rate
from audit.robustness._perturb import noise_stability, perturbation_stability
from audit.robustness._plugin import RobustnessAudit
from audit.robustness._text import text_counterfactual_stability
from audit.robustness._threshold import THRESHOLD_DISPARITIES, threshold_sensitivity

__all__ = [
    "RobustnessAudit",
    "THRESHOLD_DISPARITIES",
    "CounterfactualFeature",
    "FlipRate",
    "NoiseStability",
    "PerturbationStability",
    "RobustnessAuditConfig",
    "RobustnessInputError",
    "RobustnessSection",
    "TextCounterfactualStability",
    "ThresholdCurve",
    "ThresholdSensitivity",
    "UnknownFeatureError",
    "audit_robustness",
    "counterfactual_stability",
    "flip_rate",
    "noise_stability",
    "perturbation_stability",
    "plain_reading",
    "run_audit",
    "text_counterfactual_stability",
    "threshold_sensitivity",
    "training_callbacks",
    "with_category",
    "with_numeric",
]
