"""Text bias: identity-term templates, counterfactual token fairness, SEAT and word attributions.

The entry point is :func:`audit_text_model`, which any text classifier can be given as a
``predict_proba`` callable (plus, for attributions, a torch model and a fast tokenizer).
Identity terms are HolisticBias v1.1 descriptors and WEAT name sets shipped in
``sample_models/data``.
"""

from audit.result import TextSection
from audit.text_bias._audit import audit_text_model, identity_token_attributions, word_attribution
from audit.text_bias._config import DEFAULT_AXES, DEFAULT_SEAT_TESTS, TextBiasConfig
from audit.text_bias._data import (
    PLACEHOLDERS,
    IdentityTerm,
    available_axes,
    check_templates,
    holistic_bias_templates,
    identity_terms,
    weat_word_sets,
)
from audit.text_bias._encode import hf_predict_proba, load_encoder, mean_pooled_embedder
from audit.text_bias._errors import (
    EmptyDescriptorsError,
    PredictionShapeError,
    TemplatePlaceholderError,
    TextBiasError,
    UnknownAxisError,
    UnknownSeatTestError,
)
from audit.text_bias._identity import AxisScores, counterfactual_fairness, group_scores, score_axes
from audit.text_bias._noise_floor import NEUTRAL_DESCRIPTORS, noise_floor, template_bootstrap
from audit.text_bias._plugin import TextBiasAudit
from audit.text_bias._seat import SEAT_TESTS, SeatTest, associations, seat, seat_sentences, weat
from audit.text_bias._slices import (
    MENTION_AXES,
    NEGATIONS,
    has_negation,
    identity_mentions,
    mentioned_groups,
    text_slices,
    word_counts,
)

__all__ = [
    "TextBiasAudit",
    "DEFAULT_AXES",
    "DEFAULT_SEAT_TESTS",
    "MENTION_AXES",
    "NEGATIONS",
    "NEUTRAL_DESCRIPTORS",
    "has_negation",
    "identity_mentions",
    "mentioned_groups",
    "noise_floor",
    "template_bootstrap",
    "text_slices",
    "word_counts",
    "PLACEHOLDERS",
    "SEAT_TESTS",
    "AxisScores",
    "EmptyDescriptorsError",
    "IdentityTerm",
    "PredictionShapeError",
    "SeatTest",
    "TemplatePlaceholderError",
    "TextBiasConfig",
    "TextBiasError",
    "TextSection",
    "UnknownAxisError",
    "UnknownSeatTestError",
    "associations",
    "audit_text_model",
    "available_axes",
    "check_templates",
    "counterfactual_fairness",
    "group_scores",
    "hf_predict_proba",
    "holistic_bias_templates",
    "identity_terms",
    "identity_token_attributions",
    "load_encoder",
    "mean_pooled_embedder",
    "score_axes",
    "seat",
    "seat_sentences",
    "weat",
    "weat_word_sets",
    "word_attribution",
]
