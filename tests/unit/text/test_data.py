"""Reading, validating, tokenizing and batching text tables."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import torch

from audit.text import TRUNCATION_POLICY, build_text_dataset, collate, read_text_table


def test_splits_labels_and_groups(review_dataset, reviews):
    ds = review_dataset
    train, test = reviews
    assert len(ds.train) + len(ds.validation) == len(train)
    assert len(ds.validation) == 60 and len(ds.test) == len(test)
    assert ds.positive_label == "pos"
    np.testing.assert_array_equal(ds.test.y, (test["label"] == "pos").to_numpy(int))
    assert list(ds.test.sensitive.columns) == ["group"]
    assert ds.vocab_size == 30522 and ds.pad_id == 0


def test_items_are_the_tokenizers_ids(review_dataset, tokenizer, reviews):
    inputs, label = review_dataset.test[0]
    expected = tokenizer(reviews[1]["text"][0])["input_ids"]
    assert inputs["input_ids"].tolist() == expected
    assert int(label) == int(reviews[1]["label"][0] == "pos")


def test_pair_encoding_matches_tokenizer_pairs(tokenizer, reviews):
    train, test = reviews
    ds = build_text_dataset(train, test, text="text", text_pair="topic", target="label",
                            tokenizer=tokenizer, max_length=64)
    inputs, _ = ds.test[3]
    enc = tokenizer(test["text"][3], test["topic"][3])
    assert inputs["input_ids"].tolist() == enc["input_ids"]
    assert inputs["token_type_ids"].tolist() == enc["token_type_ids"]
    assert list(ds.test.texts.columns) == ["text", "topic"]


def test_collate_pads_per_batch_and_masks():
    items = [({"input_ids": torch.tensor([101, 5, 102])}, torch.tensor(1)),
             ({"input_ids": torch.tensor([101, 7, 8, 9, 102])}, torch.tensor(0))]
    inputs, labels = collate(items, pad_id=0)
    assert inputs["input_ids"].tolist() == [[101, 5, 102, 0, 0], [101, 7, 8, 9, 102]]
    assert inputs["attention_mask"].tolist() == [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]
    assert labels.tolist() == [1, 0]
    extra = [(x, y, torch.tensor([0.5, -0.5])) for x, y in items]
    assert collate(extra)[2].shape == (2, 2)


def test_truncation_counts_and_matches_tokenizer(tokenizer, reviews):
    train, test = reviews
    ds = build_text_dataset(train, test, text="text", text_pair="topic", target="label",
                            tokenizer=tokenizer, max_length=10)
    lengths = [len(tokenizer(a, b)["input_ids"]) for a, b in zip(test["text"], test["topic"])]
    assert ds.test.n_truncated == sum(n > 10 for n in lengths)
    assert ds.test.lengths.max() == 10
    i = int(np.argmax(lengths))
    cut = tokenizer(test["text"][i], test["topic"][i], truncation="longest_first", max_length=10)
    assert ds.test[i][0]["input_ids"].tolist() == cut["input_ids"]
    assert "longest_first" in TRUNCATION_POLICY


def test_max_examples_takes_stratified_subsets(tokenizer, reviews):
    ds = build_text_dataset(*reviews, text="text", target="label", tokenizer=tokenizer,
                            max_length=32, max_examples={"train": 100, "test": 50})
    assert (len(ds.train), len(ds.test)) == (100, 50)
    full = build_text_dataset(*reviews, text="text", target="label", tokenizer=tokenizer,
                              max_length=32)
    assert abs(ds.train.y.mean() - full.train.y.mean()) < 0.02


def test_limit_keeps_rows_aligned(review_dataset):
    small = review_dataset.limit(test=40, seed=3)
    assert len(small.test) == 40 and len(small.test.sensitive) == 40
    texts = set(review_dataset.test.texts["text"])
    assert set(small.test.texts["text"]) <= texts


def test_read_csv_jsonl_and_gzip(tmp_path):
    frame = pd.DataFrame({"text": ["héllo wörld", "x, y"], "label": [1, 0]})
    frame.to_csv(tmp_path / "a.csv", index=False)
    frame.to_json(tmp_path / "a.jsonl", orient="records", lines=True, force_ascii=False)
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress((tmp_path / "a.jsonl").read_bytes()))
    for name in ("a.csv", "a.jsonl", "a.jsonl.gz"):
        got = read_text_table(tmp_path / name)
        assert got["text"].tolist() == ["héllo wörld", "x, y"], name
