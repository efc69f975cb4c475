"""A reversed adapter (issue 16): the model's positive class is the unfavourable outcome, so
every reading gets P(favourable) = 1 - P(positive), through every kind of model."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from audit.data import build_tabular_dataset
from audit.models import ModelAdapter
from tests.own_models import people


@pytest.fixture(scope="module")
def datasets():
    """The same table with ``yes`` favourable, once as the model's positive class and once
    with the model's positive class ``no`` (reversed)."""
    train, test = people(300, 0), people(200, 1)
    plain = build_tabular_dataset(train, test, target="approved", positive_label="yes",
                                  sensitive_features=["sex"], seed=0)
    reversed_ = build_tabular_dataset(train, test, target="approved", positive_label="no",
                                      favourable_label="yes", sensitive_features=["sex"], seed=0)
    return plain, reversed_


def test_the_dataset_encodes_the_favourable_label_as_one_and_names_the_models_class(datasets):
    plain, rev = datasets
    assert (plain.positive_label, plain.model_positive_label, plain.reversed) == ("yes", "", False)
    assert (rev.positive_label, rev.model_positive_label, rev.reversed) == ("yes", "no", True)
    np.testing.assert_array_equal(plain.test.y, rev.test.y)  # 1 = yes in both


@pytest.mark.parametrize("width", [1, 2])
def test_torch_logits_are_swapped_so_the_favourable_class_is_column_one(datasets, width):
    plain, rev = datasets
    torch.manual_seed(0)
    model = nn.Linear(plain.n_features, width)
    p = ModelAdapter(model).bind(plain).predict_proba(plain.test)  # P(model's positive)
    q = ModelAdapter(model).bind(rev).predict_proba(rev.test)
    np.testing.assert_allclose(q, 1 - p, atol=1e-6)
    module = ModelAdapter(model).bind(rev).module
    assert module is not model  # wrapped, so gradients see the swapped logits too
    logits = module(torch.from_numpy(rev.test.X[:4]))
    np.testing.assert_allclose(torch.softmax(logits, 1)[:, 1].detach().numpy(), q[:4], atol=1e-6)


def test_callables_and_explicit_reverse(datasets):
    plain, rev = datasets

    def model(frame):
        return 1 / (1 + np.exp(-frame["score"].to_numpy(float)))

    p = ModelAdapter(model).bind(plain).predict_proba(plain.test)
    np.testing.assert_allclose(ModelAdapter(model).bind(rev).predict_proba(rev.test), 1 - p)
    forced = ModelAdapter(model, reverse=True).bind(plain)
    np.testing.assert_allclose(forced.predict_proba(plain.test), 1 - p)
    assert not ModelAdapter(model, reverse=False).bind(rev).reverse
    loss = ModelAdapter(model).bind(rev).per_example_loss(rev.test, rev.test.y)
    np.testing.assert_allclose(loss, -np.where(rev.test.y == 1, np.log(1 - p), np.log(p)))


def test_a_trainer_gets_labels_of_the_models_positive_class(datasets):
    _, rev = datasets
    seen = []

    def trainer(frame, y, seed):
        seen.append(np.asarray(y))
        return lambda f: np.full(len(f), 0.5)

    adapter = ModelAdapter(lambda f: np.full(len(f), 0.5), trainer=trainer).bind(rev)
    adapter.trainer_module(rev.train.to_torch(), 0)
    np.testing.assert_array_equal(seen[0], 1 - rev.train.y)  # 1 = "no", the model's class
