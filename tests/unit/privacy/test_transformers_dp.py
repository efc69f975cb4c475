"""DP-SGD on Hugging Face transformers without user surgery: clipped gradients equal a plain
per-example loop, outputs are unchanged by the per-example embedding hooks, and a BERT of the
issue's shape trains through ``fit`` with epsilon reported."""

import copy

import pytest
import torch
from torch.utils.data import DataLoader, Dataset
from transformers import (
    BertConfig,
    BertForSequenceClassification,
    DistilBertConfig,
    DistilBertForSequenceClassification,
)

from audit.dp import PerExampleEmbeddingInputs, sequence_bookkeeping_supported
from audit.privacy import (
    PrivacyConfig,
    UnsupportedModelError,
    choose_grad_sample_mode,
    make_private_training,
)
from audit.training import fit


class Tokens(Dataset):
    """Random token sequences with a padded tail, labels from the first token."""

    def __init__(self, n=12, length=10, vocab=50, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(1, vocab, (n, length), generator=g)
        self.mask = torch.ones(n, length, dtype=torch.long)
        self.mask[::3, -3:] = 0  # some padded examples
        self.ids[self.mask == 0] = 0
        self.y = (self.ids[:, 0] % 2).long()

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "attention_mask": self.mask[i]}, self.y[i]


def bert(layers=2, hidden=16, heads=2, intermediate=32, vocab=50):
    torch.manual_seed(0)
    return BertForSequenceClassification(BertConfig(
        vocab_size=vocab, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
        intermediate_size=intermediate, max_position_embeddings=64, hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0))


def distilbert():
    torch.manual_seed(0)
    return DistilBertForSequenceClassification(DistilBertConfig(
        vocab_size=50, dim=16, n_layers=2, n_heads=2, hidden_dim=32, max_position_embeddings=64,
        dropout=0.0, attention_dropout=0.0, seq_classif_dropout=0.0))


def bert_frozen_embeddings():
    model = bert()
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    return model


def per_example_grads(model, data):
    """Plain loop: one forward/backward per example, batch of one."""
    params = [p for p in model.parameters() if p.requires_grad]
    grads = []
    for i in range(len(data)):
        inputs, label = data[i]
        model.zero_grad()
        logits = model(**{k: v[None] for k, v in inputs.items()}).logits
        torch.nn.functional.cross_entropy(logits, label[None]).backward()
        grads.append([p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p)
                      for p in params])
    return grads


def clipped_sum(grads, max_grad_norm):
    sums = [torch.zeros_like(g) for g in grads[0]]
    for example in grads:
        norm = float(torch.sqrt(sum(g.pow(2).sum() for g in example)))
        factor = min(1.0, max_grad_norm / (norm + 1e-6))
        for s, g in zip(sums, example):
            s += factor * g
    return sums


def private_step(model, data, mode, max_grad_norm):
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    loader = DataLoader(data, batch_size=len(data))
    private = make_private_training(
        model, opt, loader, epochs=1,
        privacy=PrivacyConfig(noise_multiplier=0.0, max_grad_norm=max_grad_norm,
                              poisson_sampling=False, grad_sample_mode=mode, delta=1e-3))
    (inputs, labels), = list(private.loader)
    private.optimizer.zero_grad()
    logits = private.model(**inputs).logits
    private.loss_fn(logits, labels, None).backward()
    private.optimizer.step()
    return private


@pytest.mark.parametrize("make_model", [bert, distilbert, bert_frozen_embeddings],
                         ids=["bert", "distilbert", "bert-frozen-words"])
@pytest.mark.parametrize("mode", ["hooks", "ghost", "bookkeeping"])
def test_clipped_sum_equals_a_per_example_loop(make_model, mode):
    base = make_model()
    data = Tokens()
    grads = per_example_grads(copy.deepcopy(base), data)
    norms = [float(torch.sqrt(sum(g.pow(2).sum() for g in ex))) for ex in grads]
    max_grad_norm = 0.5 * min(norms)  # every example is clipped
    expected = clipped_sum(grads, max_grad_norm)
    model = copy.deepcopy(base)
    private = private_step(model, data, mode, max_grad_norm)
    try:
        params = [p for p in model.parameters() if p.requires_grad]
        assert len(params) == len(expected)
        for p, e in zip(params, expected):
            # opacus divides the clipped sum by the expected batch size
            torch.testing.assert_close(p.grad * len(data), e, rtol=1e-4, atol=1e-6)
        if mode == "bookkeeping":  # both norm strategies (and the 2-D outer product) ran
            assert set(private.optimizer.bookkeeper.strategies.values()) >= {
                "ghost", "instantiated", "outer"}
        # the position embeddings received a real per-example gradient (not zero)
        assert float(expected[[n for n, _ in model.named_parameters()].index(
            next(n for n, _ in model.named_parameters() if "position_embeddings" in n))].abs().sum()) > 0
    finally:
        private.close()


def test_per_example_gradients_equal_the_loop_in_hooks_mode():
    base = bert()
    data = Tokens(n=6)
    grads = per_example_grads(copy.deepcopy(base), data)
    model = copy.deepcopy(base)
    private = private_step(model, data, "hooks", 1e9)
    try:
        params = [p for p in model.parameters() if p.requires_grad]
        for j, p in enumerate(params):
            for i in range(len(data)):
                torch.testing.assert_close(p.grad_sample[i], grads[i][j], rtol=1e-4, atol=1e-6)
    finally:
        private.close()


def test_hooks_leave_outputs_unchanged_and_come_off():
    model = bert().train()
    data = Tokens(n=5)
    inputs, _ = next(iter(DataLoader(data, batch_size=5)))
    before = model(**inputs).logits
    hooks = PerExampleEmbeddingInputs(model)
    after = model(**inputs).logits
    assert hooks.expanded >= 1  # the (1, L) position lookup was widened
    torch.testing.assert_close(before, after, rtol=0, atol=1e-6)
    hooks.remove()
    assert all(not m._forward_pre_hooks for m in model.modules())


class WithConv(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(10, 4)
        self.conv = torch.nn.Conv1d(4, 2, 1)

    def forward(self, x):
        return self.conv(self.emb(x).transpose(1, 2)).mean(-1)


def test_auto_mode_picks_bookkeeping_for_transformers_and_ghost_for_other_embeddings():
    assert choose_grad_sample_mode(bert(), PrivacyConfig(noise_multiplier=1.0)) == "bookkeeping"
    assert choose_grad_sample_mode(WithConv(), PrivacyConfig(noise_multiplier=1.0)) == "ghost"
    assert choose_grad_sample_mode(
        bert(), PrivacyConfig(noise_multiplier=1.0, clipping="per_layer")) == "hooks"


def test_tied_weights_are_refused_by_bookkeeping():
    model = bert()
    model.classifier = torch.nn.Linear(16, 2)
    model.bert.embeddings.position_embeddings.weight = model.bert.embeddings.word_embeddings.weight
    assert not sequence_bookkeeping_supported(model)
    with pytest.raises(UnsupportedModelError, match="bookkeeping"):
        private_step(model, Tokens(n=4), "bookkeeping", 1.0)


def test_issue_shaped_bert_trains_through_fit_with_epsilon():
    # the issue's shape (4 layers, hidden 256, 4 heads, intermediate 1024) with a small
    # vocabulary and short sequences to stay fast on a CPU
    model = bert(layers=4, hidden=256, heads=4, intermediate=1024, vocab=200)
    data = Tokens(n=48, length=12, vocab=200)
    run = fit(model, data, epochs=1, batch_size=16, learning_rate=1e-3, device="cpu",
              privacy=PrivacyConfig(noise_multiplier=1.0, delta=1e-3), progress=False)
    assert run.privacy.grad_sample_mode == "bookkeeping"
    assert run.privacy.steps == 3 and 0 < run.privacy.epsilon < 100
    assert type(run.model) is BertForSequenceClassification
    assert all(not m._forward_pre_hooks and not m._forward_hooks for m in run.model.modules())
    assert not any(hasattr(p, "grad_sample") for p in run.model.parameters())
    assert all(p.requires_grad for p in run.model.parameters())  # unfrozen after each step
