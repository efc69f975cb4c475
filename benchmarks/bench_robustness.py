"""Benchmark of the robustness checks on the census sample (prints seconds and rows/s).

    python benchmarks/bench_robustness.py
    python benchmarks/bench_robustness.py --epochs 10 --repeat 5

Trains the census MLP of ``sample_models/census_income/audit.yaml`` (a short run by default:
the timing depends on the architecture and the number of rows, not on the weights), then times
counterfactual stability of every sensitive feature (sex swapped, race set to each other
category, age shifted by -10 and +10) on the whole test split: one forward pass of all 16,281
rows per counterfactual. Target: under 2 s on CPU. The other checks are timed for reference.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from audit.models import build_model, predict_proba
from audit.robustness import RobustnessAuditConfig, audit_robustness, counterfactual_stability
from audit.training import fit, seed_everything
from sample_models.census_income import config as census_config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from audit.runner import load_dataset

    cfg = census_config()
    ds = load_dataset(cfg)
    seed_everything(0)
    model = build_model(cfg.model.kind, input_width=ds.n_features,
                        hidden_sizes=cfg.model.hidden_sizes, dropout=cfg.model.dropout)
    model = fit(model, ds.train.to_torch(), epochs=args.epochs, batch_size=cfg.training.batch_size,
                learning_rate=cfg.training.learning_rate, seed=0, device="cpu", progress=False).model

    calls = [0]

    def predict(X: np.ndarray) -> np.ndarray:
        calls[0] += 1
        return np.clip(predict_proba(model, X), 0.0, 1.0)

    rb = cfg.audits.robustness
    shifts = dict(rb.numeric_shifts) or {"age": [-10.0, 10.0]}
    ranges = {f: (float(ds.train.raw[f].min()), float(ds.train.raw[f].max()))
              for f in ds.preprocessor.numeric}
    n = len(ds.test)

    def counterfactual():
        base = predict(ds.test.X)
        return [counterfactual_stability(predict, ds.test.X, ds.test.raw, ds.preprocessor, f,
                                         shifts=shifts.get(f), value_range=ranges.get(f),
                                         base_scores=base) for f in ds.sensitive_features]

    times = []
    for _ in range(args.repeat):
        calls[0] = 0
        tick = time.perf_counter()
        out = counterfactual()
        times.append(time.perf_counter() - tick)
    best, passes = min(times), calls[0]
    print(f"census test split: {n:,} rows, {ds.n_features} encoded columns, torch threads {args.threads}")
    print(f"counterfactual stability ({', '.join(ds.sensitive_features)}; {passes} forward passes): "
          f"best {best:.3f} s of {args.repeat} (median {np.median(times):.3f} s), "
          f"{passes * n / best:,.0f} counterfactual rows/s; target < 2 s: "
          f"{'met' if best < 2 else 'NOT met'}")
    for c in out:
        print(f"  {c.feature}: {c.change}: {100 * c.overall.rate:.2f}% flipped "
              f"[{100 * c.overall.interval.low:.2f}%, {100 * c.overall.interval.high:.2f}%]")

    tick = time.perf_counter()
    section = audit_robustness(predict, ds, RobustnessAuditConfig(enabled=True, numeric_shifts=shifts))
    total = time.perf_counter() - tick
    print(f"whole robustness section: {total:.3f} s ("
          + ", ".join(f"{k} {v:.3f}" for k, v in section.timings.items()) + ")")


if __name__ == "__main__":
    main()
