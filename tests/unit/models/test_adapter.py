"""The model adapter: every output shape and input form read as the same P(positive class)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from audit.data import build_tabular_dataset
from audit.errors import ModelInputMismatchError, ModelOutputError
from audit.models import EncodedModel, ModelAdapter, two_column_logits
from tests.own_models import OwnEncoding, people, train_embedding_net


@pytest.fixture(scope="module")
def dataset():
    return build_tabular_dataset(people(300, 0), people(200, 1), target="approved",
                                 positive_label="yes", sensitive_features=["sex"], seed=0)


def _pair(width: int) -> tuple[nn.Linear, nn.Linear]:
    """A two-logit linear model and the one-logit model of its log-odds (z1 - z0)."""
    torch.manual_seed(0)
    two = nn.Linear(width, 2)
    one = nn.Linear(width, 1)
    with torch.no_grad():
        one.weight.copy_(two.weight[1:] - two.weight[:1])
        one.bias.copy_(two.bias[1:] - two.bias[:1])
    return two, one


def test_one_logit_and_two_logits_give_the_same_positive_probability(dataset):
    two, one = _pair(dataset.n_features)
    p_two = ModelAdapter(two).bind(dataset).predict_proba(dataset.test)
    p_one = ModelAdapter(one).bind(dataset).predict_proba(dataset.test)
    np.testing.assert_allclose(p_one, p_two, atol=1e-6)
    np.testing.assert_allclose(p_one, torch.sigmoid(one(torch.from_numpy(dataset.test.X)))[:, 0]
                               .detach().numpy(), atol=1e-6)
    # the module over encoded rows: the two-logit model itself; the one-logit one as [0, z]
    assert ModelAdapter(two).bind(dataset).module is two
    view = ModelAdapter(one).bind(dataset).module
    assert isinstance(view, EncodedModel)
    logits = view(torch.from_numpy(dataset.test.X[:5]))
    assert logits.shape == (5, 2) and torch.all(logits[:, 0] == 0)
    margin = two(torch.from_numpy(dataset.test.X[:5]))
    torch.testing.assert_close(logits[:, 1] - logits[:, 0], margin[:, 1] - margin[:, 0])


def test_a_positive_index_flips_two_logits_and_reads_one_class_against_the_rest():
    out = torch.tensor([[1.0, 2.0, -1.0], [0.0, 0.0, 3.0]])
    with pytest.raises(ModelOutputError, match="positive_index=k") as info:
        two_column_logits(out)
    assert "3 logits per row" in str(info.value)
    rest = two_column_logits(out, positive_index=2)
    np.testing.assert_allclose(torch.softmax(rest, 1)[:, 1].numpy(),
                               torch.softmax(out, 1)[:, 2].numpy(), rtol=1e-6)
    flipped = two_column_logits(out[:, :2], positive_index=0)
    assert flipped.tolist() == [[2.0, 1.0], [0.0, 0.0]]


def test_a_k_class_model_is_refused_before_any_audit_with_the_option_named(dataset):
    adapter = ModelAdapter(nn.Linear(dataset.n_features, 4)).bind(dataset)
    with pytest.raises(ModelOutputError, match="4-class model") as info:
        adapter.check(dataset.test.raw)
    assert "ModelAdapter(model, positive_index=k)" in str(info.value)
    ovr = ModelAdapter(nn.Linear(dataset.n_features, 4), positive_index=3).bind(dataset)
    ovr.check(dataset.test.raw)
    assert ovr.predict_proba(dataset.test).shape == (len(dataset.test),)


class _TwoInputs(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(10, 2)
        self.out = nn.Linear(4, 1)

    def forward(self, numeric, categorical):
        return self.out(torch.cat([numeric, self.embed(categorical).sum(dim=1)], dim=1))


class _Keywords(_TwoInputs):
    def forward(self, *, numeric, categorical):  # noqa: D102 - called with a dict
        return super().forward(numeric, categorical)


@pytest.mark.parametrize("form", ["tuple", "dict"])
def test_tuple_and_dict_inputs_from_encode(dataset, form):
    torch.manual_seed(0)
    encode_tuple = OwnEncoding(dataset.train.raw)
    model = _TwoInputs() if form == "tuple" else _Keywords()
    if form == "tuple":
        encode = encode_tuple
    else:
        def encode(frame):
            numeric, categorical = encode_tuple(frame)
            return {"numeric": numeric, "categorical": categorical}
    adapter = ModelAdapter(model, encode=encode).bind(dataset)
    numeric, codes = encode_tuple(dataset.test.raw)
    expected = torch.sigmoid(_TwoInputs.forward(model, numeric, codes))[:, 0].detach().numpy()
    np.testing.assert_allclose(adapter.predict_proba(dataset.test), expected, atol=1e-6)
    # the same rows given encoded (the audits' perturbations) are decoded first
    np.testing.assert_allclose(adapter.predict_proba(dataset.test.X), expected, atol=1e-5)
    # no gradients over the dataset's encoded rows; over its own inputs, yes
    assert adapter.capabilities == {"proba", "logits", "input_gradients", "per_example_loss"}
    logits = adapter.logits(adapter.model_inputs(dataset.test.raw.iloc[:3]))
    assert logits.shape == (3, 2) and logits.requires_grad  # differentiable in its own inputs


def test_decoding_encoded_rows_gives_back_the_raw_rows(dataset):
    adapter = ModelAdapter(lambda f: np.full(len(f), 0.5)).bind(dataset)
    decoded = adapter.decoder(dataset.test.X)
    raw = dataset.test.raw
    assert list(decoded.columns) == list(raw.columns)
    np.testing.assert_allclose(decoded["score"], raw["score"], rtol=1e-6, atol=1e-6)
    assert decoded["years"].dtype == raw["years"].dtype
    assert (decoded["years"] == raw["years"]).all()
    for column in ("sex", "zone", "region"):
        assert (decoded[column] == raw[column]).all()


def test_callables_on_frames_and_arrays_with_one_or_two_columns(dataset):
    def two_columns(frame: pd.DataFrame) -> np.ndarray:
        p = 1 / (1 + np.exp(-frame["score"].to_numpy()))
        return np.stack([1 - p, p], axis=1)

    by_frame = ModelAdapter(two_columns).bind(dataset)
    one_column = ModelAdapter(lambda f: two_columns(f)[:, 1]).bind(dataset)
    np.testing.assert_allclose(by_frame.predict_proba(dataset.test),
                               1 / (1 + np.exp(-dataset.test.raw["score"].to_numpy())))
    np.testing.assert_array_equal(one_column.predict_proba(dataset.test),
                                  by_frame.predict_proba(dataset.test))
    on_array = ModelAdapter(lambda X: 1 / (1 + np.exp(-X[:, 0])), inputs="encoded").bind(dataset)
    assert on_array.native and on_array.predict_proba(dataset.test).shape == (len(dataset.test),)
    assert by_frame.capabilities == {"proba", "per_example_loss"}
    # the module over encoded rows gives log-probabilities as logits: softmax is P again
    logits = by_frame.module(torch.from_numpy(dataset.test.X))
    np.testing.assert_allclose(torch.softmax(logits.double(), 1)[:, 1].numpy(),
                               by_frame.predict_proba(dataset.test), atol=1e-6)


def test_probabilities_outside_zero_one_are_refused_typed(dataset):
    adapter = ModelAdapter(lambda f: f["score"].to_numpy()).bind(dataset)  # scores, not P
    with pytest.raises(ModelOutputError, match="probabilities in \\[0, 1\\]"):
        adapter.check(dataset.test.raw)
    wrong = ModelAdapter(lambda f: np.zeros(3)).bind(dataset)
    with pytest.raises(ModelOutputError, match="one per row"):
        wrong.check(dataset.test.raw)


def test_a_torch_model_that_rejects_the_encoded_rows_names_encode(dataset):
    adapter = ModelAdapter(nn.Linear(3, 2)).bind(dataset)
    with pytest.raises(ModelInputMismatchError, match="encode="):
        adapter.check(dataset.test.raw)
    with pytest.raises(ModelInputMismatchError, match="a torch module"):
        ModelAdapter(42)


def test_per_example_loss_is_the_loss_attacks_cross_entropy(dataset):
    from audit.privacy._attacks import loss_scores, per_example_logits

    model, encode = train_embedding_net(dataset.train.raw.assign(approved=np.where(
        dataset.train.y == 1, "yes", "no")), epochs=5)
    adapter = ModelAdapter(model, encode=encode).bind(dataset)
    loss = adapter.per_example_loss(dataset.test, dataset.test.y)
    logits, labels = per_example_logits(adapter.module, dataset.test.to_torch())
    np.testing.assert_allclose(loss, -loss_scores(logits, labels), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("num_labels", [1, 2])
def test_a_hugging_face_sequence_classifier(num_labels):
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    config = BertConfig(vocab_size=20, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=16, max_position_embeddings=16, num_labels=num_labels)
    model = BertForSequenceClassification(config).eval()

    def encode(frame):
        ids = torch.tensor([[1 + (ord(ch) % 18) for ch in text[:6].ljust(6)]
                            for text in frame["text"]])
        return {"input_ids": ids, "attention_mask": torch.ones_like(ids)}

    frame = pd.DataFrame({"text": ["good", "bad film", "fine", "awful plot"]})
    adapter = ModelAdapter(model, encode=encode)
    assert adapter.kind == "huggingface"
    with torch.no_grad():
        logits = model(**encode(frame)).logits
    expected = (torch.sigmoid(logits[:, 0]) if num_labels == 1
                else torch.softmax(logits, 1)[:, 1]).numpy()
    np.testing.assert_allclose(adapter.predict_proba(frame), expected, atol=1e-6)

    def tokenizer(texts, pairs, *, padding, truncation, max_length, return_tensors):
        assert pairs is None and padding and truncation and return_tensors == "pt"
        return encode(pd.DataFrame({"text": texts}))

    by_column = ModelAdapter.from_huggingface(model, tokenizer, text_column="text")
    np.testing.assert_allclose(by_column.predict_proba(frame), expected, atol=1e-6)


def test_the_explainer_takes_an_adapter_and_a_single_logit(dataset):
    from audit.explain import Explainer, NotDifferentiableError

    two, one = _pair(dataset.n_features)
    X = torch.from_numpy(dataset.test.X[:20])
    a = Explainer(two, "integrated_gradients").explain(X, target=1)
    b = Explainer(one, "integrated_gradients").explain(X, target=1)  # z read as [0, z]
    torch.testing.assert_close(a.attributions, b.attributions, rtol=1e-4, atol=1e-5)

    model, encode = train_embedding_net(people(300, 0), epochs=20)
    adapter = ModelAdapter(model, encode=encode).bind(dataset)
    ablation = Explainer(adapter, "feature_ablation", feature_groups=dataset.feature_groups)
    attributions = ablation.explain(X, target=1).attributions
    sex = list(dataset.feature_groups["sex"])
    assert attributions[:, sex].abs().sum() > 0  # the embedded column is not a silent zero
    with pytest.raises(NotDifferentiableError):
        Explainer(adapter, "saliency").explain(X, target=1)
    # gradient methods on its own inputs, the embedded column through its embedding
    own = adapter.own_inputs()
    ig = Explainer(own.module, "integrated_gradients", feature_groups=own.feature_groups)
    result = ig.explain(torch.from_numpy(own.test[:20]), target=1)
    assert result.attributions[:, list(own.feature_groups["sex"])].abs().sum() > 0
    assert result.convergence_delta.abs().max() < 0.05


def test_own_inputs_lay_the_model_inputs_out_as_columns_of_each_raw_feature(dataset):
    model, encode = train_embedding_net(people(300, 0), epochs=20)
    adapter = ModelAdapter(model, encode=encode).bind(dataset)
    own = adapter.own_inputs()
    # numeric: one standardised column each; categorical: one code column each
    assert own.feature_groups == {"score": (0,), "years": (1,), "sex": (2,), "zone": (3,),
                                  "region": (4,)}
    assert own.test.shape == (len(dataset.test), 5)
    with torch.no_grad():
        flat = own.module(torch.from_numpy(own.test))
        direct = adapter.logits(adapter.model_inputs(dataset.test.raw))
    torch.testing.assert_close(flat, direct)
    view = own.dataset(dataset)
    assert view.feature_groups == own.feature_groups and view.test.raw is dataset.test.raw
    # no own inputs: callables, models on the encoded rows
    assert ModelAdapter(lambda f: np.full(len(f), 0.5)).bind(dataset).own_inputs() is None
    assert ModelAdapter(nn.Linear(dataset.n_features, 2)).bind(dataset).own_inputs() is None
