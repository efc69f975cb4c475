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

__all__ = [
    "MODEL_REGISTRY",
    "TabularMLP",
    "build_model",
    "load_model",
    "predict_proba",
    "register_model",
    "save_model",
]
