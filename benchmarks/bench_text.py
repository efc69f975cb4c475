"""Training throughput (examples/s) of each text model kind on real BoolQ pairs, and the DP-SGD
cost of the LSTM (DP examples/s divided by non-private examples/s), measured in one run.

Every kind trains one epoch through ``audit.training.fit`` on the same stratified BoolQ subset
(question + passage, MiniLM WordPiece ids, max_length tokens, per-batch padding); the transformer
gets a smaller subset because it is ~100x slower on a CPU. Usage:
python benchmarks/bench_text.py [--examples 512] [--hf-examples 64] [--max-length 128] [--threads 1]
"""

from __future__ import annotations

import argparse
import time
import warnings

import torch

from audit.models import LSTMClassifier, PoolingClassifier, hf_classifier
from audit.privacy import PrivacyConfig
from audit.text import load_boolq, train_text_model


def throughput(model, dataset, *, batch_size: int, privacy=None, lr: float = 1e-3) -> float:
    tick = time.perf_counter()
    run = train_text_model(model, dataset, validation=False, epochs=1, batch_size=batch_size,
                           learning_rate=lr, privacy=privacy, progress=False,
                           optimizer="adamw" if privacy is None else "adam")
    del run
    return len(dataset.train) / (time.perf_counter() - tick)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=512)
    parser.add_argument("--hf-examples", type=int, default=64)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    # opacus's notices for the valid settings used here (seeded noise, frozen embeddings)
    warnings.filterwarnings("ignore", message="Secure RNG turned off")
    warnings.filterwarnings("ignore", message="Full backward hook is firing")
    torch.set_num_threads(args.threads)
    ds = load_boolq(max_length=args.max_length,
                    max_examples={"train": args.examples, "validation": 50, "test": 50})
    small = ds.limit(train=args.hf_examples)
    print(f"BoolQ subset: {len(ds.train)} train pairs, max_length {args.max_length}, "
          f"mean length {ds.train.lengths.mean():.0f} tokens, {args.threads} thread(s), CPU")
    dp = PrivacyConfig(noise_multiplier=1.0, max_grad_norm=1.0)
    rows = []

    def small_model(cls):
        torch.manual_seed(0)
        return cls(ds.vocab_size, 384, 64, embedding_init="minilm", freeze_embeddings=True)

    throughput(small_model(PoolingClassifier), ds.limit(train=32), batch_size=16)  # warm-up
    rows.append(("pooling (frozen MiniLM embeddings)", throughput(small_model(PoolingClassifier), ds, batch_size=64)))
    rows.append(("pooling, DP-SGD", throughput(small_model(PoolingClassifier), ds, batch_size=64, privacy=dp)))
    lstm = throughput(small_model(LSTMClassifier), ds, batch_size=64)
    lstm_dp = throughput(small_model(LSTMClassifier), ds, batch_size=64, privacy=dp)
    rows += [("lstm (DPLSTM)", lstm), ("lstm (DPLSTM), DP-SGD (opacus hooks)", lstm_dp)]
    torch.manual_seed(0)
    rows.append(("hf MiniLM fine-tune (22.7M params)",
                 throughput(hf_classifier("minilm"), small, batch_size=16, lr=5e-5)))
    for name, value in rows:
        print(f"{name:40s} {value:8.1f} examples/s")
    print(f"LSTM DP-SGD / non-private throughput: {lstm_dp / lstm:.2f} "
          f"(DP step costs {lstm / lstm_dp:.2f}x)")


if __name__ == "__main__":
    main()
