"""Text models audited beside their baselines (majority class, TF-IDF logistic regression),
and knowledge distillation of the trained model into a small student."""

from audit.result import DistillationSummary, TextModelsSection, TextModelSummary
from audit.text_models._config import DistillationConfig, TextModelsAuditConfig
from audit.text_models._plugin import TextModelsAudit

__all__ = [
    "DistillationConfig",
    "DistillationSummary",
    "TextModelSummary",
    "TextModelsAudit",
    "TextModelsAuditConfig",
    "TextModelsSection",
]
