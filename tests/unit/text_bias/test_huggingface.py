"""The Hugging Face TrainerCallback on a real Trainer: a tiny random BERT, two steps, no downloads."""

from __future__ import annotations

import math

import pytest
import torch

from audit.result import EpochRecord, PrivacySpend

pytest.importorskip("accelerate")  # transformers.Trainer needs it

TEXTS = ["a kind neighbour", "a rude stranger", "the film was wonderful", "the food was awful",
         "my friend is helpful", "the service was terrible", "she is generous", "he was cruel"]
LABELS = [1, 0, 1, 0, 1, 0, 1, 0]
GROUPS = ["a", "a", "b", "b", "a", "b", "a", "b"]


class _Texts(torch.utils.data.Dataset):
    def __init__(self, tokenizer):
        self.enc = tokenizer(TEXTS, padding=True, return_tensors="pt")

    def __len__(self):
        return len(TEXTS)

    def __getitem__(self, i):
        return {"input_ids": self.enc["input_ids"][i], "attention_mask": self.enc["attention_mask"][i],
                "labels": torch.tensor(LABELS[i])}


def _spend() -> PrivacySpend:
    return PrivacySpend(accountant="prv", epsilon=1.5, delta=1e-5, delta_rule="1/n^1.1", epsilons={"prv": 1.5},
                        noise_multiplier=1.0, max_grad_norm=1.0, sample_rate=0.1, steps=2, epochs=1,
                        poisson_sampling=True, clipping="flat", grad_sample_mode="hooks")


def test_trainer_callback_records_fairness_attributions_and_privacy(tmp_path, minilm_tokenizer):
    from transformers import BertConfig, BertForSequenceClassification, Trainer, TrainingArguments

    from audit.integrations.huggingface import AuditTrainerCallback

    torch.manual_seed(0)
    config = BertConfig(vocab_size=minilm_tokenizer.vocab_size, hidden_size=16, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=32, max_position_embeddings=64, num_labels=2)
    model = BertForSequenceClassification(config)
    from audit.text_bias import TextBiasConfig

    identity = TextBiasConfig(axes=("names_gender",), max_templates=2, max_descriptors_per_group=2)
    callback = AuditTrainerCallback(minilm_tokenizer, texts=TEXTS, labels=LABELS, sensitive_features={"g": GROUPS},
                                    privacy=_spend, attribution_samples=2, n_steps=4, identity_config=identity)
    args = TrainingArguments(output_dir=str(tmp_path), per_device_train_batch_size=4, per_device_eval_batch_size=8,
                             max_steps=2, eval_strategy="steps", eval_steps=1, report_to=[], save_strategy="no",
                             use_cpu=True, disable_tqdm=True, logging_strategy="no", seed=0)
    data = _Texts(minilm_tokenizer)
    trainer = Trainer(model=model, args=args, train_dataset=data, eval_dataset=data, callbacks=[callback])
    trainer.train()

    assert len(callback.history) == 2 and all(isinstance(r, EpochRecord) for r in callback.history)
    last = callback.history[-1]
    assert last.epoch == 2 and last.details["global_step"] == 2
    assert math.isfinite(last.metrics["eval_loss"])
    assert last.metrics["privacy/epsilon"] == 1.5 and last.details["privacy"]["accountant"] == "prv"
    # fairness recomputed by hand from the model's predictions
    model.eval()
    with torch.no_grad():
        enc = minilm_tokenizer(TEXTS, padding=True, return_tensors="pt")
        pred = (torch.softmax(model(**enc).logits, -1)[:, 1] >= 0.5).int().tolist()
    rate = {g: sum(p for p, gg in zip(pred, GROUPS) if gg == g) / GROUPS.count(g) for g in "ab"}
    assert last.metrics["fairness/selection_rate[g=a]"] == pytest.approx(rate["a"])
    assert last.metrics["fairness/demographic_parity_difference[g]"] == pytest.approx(abs(rate["a"] - rate["b"]))
    words = last.details["explain/words"]
    assert len(words) == 2 and {w for w, _ in words[0]["top"]} <= set(TEXTS[0].split())
    assert last.metrics["explain/mean_abs_convergence_delta"] >= 0
    assert 0 <= last.metrics["text/counterfactual_token_flip_rate[names_gender]"] <= 1
    assert last.metrics["text/mean_abs_score_change[names_gender]"] > 0


def test_callback_needs_labels_with_groups(minilm_tokenizer):
    from audit.errors import RaiAuditError
    from audit.integrations.huggingface import AuditTrainerCallback

    with pytest.raises(RaiAuditError, match="labels"):
        AuditTrainerCallback(minilm_tokenizer, texts=TEXTS, sensitive_features={"g": GROUPS})
