"""Layer Integrated Gradients on the real all-MiniLM-L6-v2: words per second with our batching
(``explain_texts_batched``: length-sorted chunks sized in expanded tokens) against captum's
default (texts in their order, each batch's copies in one pass, ``internal_batch_size=None``),
same texts, same run, and the largest difference between the two attributions.

Texts are real movie-review snippets (test split, median 18 words); the classifier head is
seeded (attribution cost does not depend on what the head learnt). Usage:
python benchmarks/bench_text_attributions.py [--texts 96] [--steps 32] [--threads 1] [--repeat 2]
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import torch
from _timing import best_of

from audit.explain import explain_texts, explain_texts_batched
from audit.models import hf_classifier
from audit.text import load_movie_reviews, load_tokenizer


def words(explanations) -> int:
    return sum(len(e.words) for e in explanations)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=96)
    parser.add_argument("--steps", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--budgets", type=int, nargs="*", default=[2048, 8192, 32768])
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message=".*attention_mask.*")
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    tokenizer = load_tokenizer("minilm")
    model = hf_classifier("minilm").eval()
    ds = load_movie_reviews(max_length=96, max_examples={"test": args.texts})
    texts = ds.test.texts["review"].tolist()
    lengths = ds.test.lengths
    print(f"{len(texts)} movie reviews, {lengths.mean():.1f} tokens on average (max {lengths.max()}), "
          f"n_steps {args.steps}, {args.threads} thread(s), {torch.device('cpu')}")

    rows = []
    for batch in (1, 8):
        seconds, ref = best_of(lambda b=batch: explain_texts(model, tokenizer, texts, n_steps=args.steps,
                                                             max_length=96, batch_size=b), args.repeat)
        rows.append((f"captum default, {batch} text(s) per call", seconds, ref))
    default = rows[-1][2]  # explain_texts' own default: 8 texts per call
    for budget in args.budgets:
        seconds, ours = best_of(lambda b=budget: explain_texts_batched(
            model, tokenizer, texts, n_steps=args.steps, max_length=96, tokens_per_pass=b), args.repeat)
        rows.append((f"ours, {budget:,} expanded tokens per pass", seconds, ours))

    anchor = rows[1][1]
    print(f"{'method':<44} {'seconds':>8} {'words/s':>8} {'vs captum default':>18} {'max |diff|':>10}")
    for name, seconds, ex in rows:
        diff = max(float(np.max(np.abs(np.subtract(a.scores, b.scores)))) for a, b in zip(ex, default))
        print(f"{name:<44} {seconds:8.2f} {words(ex) / seconds:8.1f} {anchor / seconds:17.2f}x {diff:10.2e}")


if __name__ == "__main__":
    main()
