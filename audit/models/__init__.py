"""Model architectures that rai-audit can build from a config, and safe saving/loading.

Tabular (``mlp``) and text (``lstm``, ``pooling``, ``hf``) kinds are all registered here, so
:func:`build_model` and :func:`load_model` know every kind once this package is imported
(see :mod:`audit.models._text` for why the text kinds live here rather than in ``audit.text``).
Pretrained folders are read from disk only (:func:`resolve_model_dir`).
"""

from audit.models._adapter import (
    CAPABILITIES,
    EncodedModel,
    ModelAdapter,
    RowDecoder,
    probability_logits,
    two_column_logits,
)
from audit.models._factory import TableInfo, build_from_factory, import_object, load_weights
from audit.models._mlp import TabularMLP
from audit.models._own_inputs import FlatInputs, OwnInputs, own_inputs
from audit.models._predict import predict_proba
from audit.models._pretrained import MINILM, MINILM_INSTALL, minilm_path, resolve_model_dir
from audit.models._store import (
    MODEL_REGISTRY,
    SPEC_FILE,
    WEIGHTS_FILE,
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
    "CAPABILITIES",
    "EncodedModel",
    "FlatInputs",
    "MINILM",
    "MINILM_INSTALL",
    "MODEL_REGISTRY",
    "OwnInputs",
    "ModelAdapter",
    "SPEC_FILE",
    "WEIGHTS_FILE",
    "LSTMClassifier",
    "PoolingClassifier",
    "RowDecoder",
    "TableInfo",
    "TabularMLP",
    "build_from_factory",
    "build_model",
    "hf_classifier",
    "import_object",
    "load_model",
    "load_weights",
    "own_inputs",
    "minilm_path",
    "predict_proba",
    "probability_logits",
    "register_model",
    "resolve_model_dir",
    "save_model",
    "two_column_logits",
]
