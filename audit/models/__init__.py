"""Model architectures that rai-audit can build from a config, and safe saving/loading."""

from audit.models._mlp import TabularMLP
from audit.models._predict import predict_proba
from audit.models._store import (
    MODEL_REGISTRY,
    build_model,
    load_model,
    register_model,
    save_model,
)
from audit.models._text import LSTMClassifier, PoolingClassifier, hf_classifier

register_model("lstm", LSTMClassifier)
register_model("pooling", PoolingClassifier)
register_model("hf", hf_classifier)

__all__ = [
    "MODEL_REGISTRY",
    "LSTMClassifier",
    "PoolingClassifier",
    "TabularMLP",
    "build_model",
    "hf_classifier",
    "load_model",
    "predict_proba",
    "register_model",
    "save_model",
]
