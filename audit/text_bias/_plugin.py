"""The text-bias audit's implementation of the audit contract (:mod:`audit.core`)."""

from __future__ import annotations

import audit.text_bias._policy_metrics  # noqa: F401  (registers the gate metrics)
from audit.core import Audit, AuditContext, register_audit
from audit.result import TextSection
from audit.text_bias._config import TextBiasConfig


class TextBiasAudit(Audit):
    """SEAT, identity-term templates and token attributions of a text classifier."""

    slug = "text_bias"
    title = "Text bias"
    description = ("SEAT on sentence embeddings, HolisticBias identity-term templates "
                   "(counterfactual token fairness), token attributions")
    config_type = TextBiasConfig
    section_type = TextSection
    modalities = ("text",)
    cost = 25
    position = 60
    legacy_result_keys = ("text",)

    def run(self, ctx: AuditContext, config: TextBiasConfig) -> TextSection:
        from audit.text import text_predictor
        from audit.text_bias._audit import audit_text_model

        dataset, tokenizer = ctx.dataset, ctx.extras["tokenizer"]
        n = min(len(dataset.validation), config.attribution_samples)
        texts = dataset.validation.texts
        return audit_text_model(
            text_predictor(ctx.model, tokenizer, max_length=dataset.max_length), model=ctx.model,
            tokenizer=tokenizer, config=config, texts=texts[dataset.text].iloc[:n].tolist(),
            text_pairs=texts[dataset.text_pair].iloc[:n].tolist() if dataset.text_pair else None,
            seed=ctx.seed)


AUDIT = register_audit(TextBiasAudit())
