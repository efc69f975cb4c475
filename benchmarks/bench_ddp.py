"""DP-SGD across processes (torchrun, gloo on CPU / NCCL on GPU) vs one process, census MLP.

Runs ``python -m sample_models.census_income.train_ddp`` under ``torchrun`` with 1 and with N
processes, the same global batch, noise and epochs, and prints each run's epsilon (they must
be equal: same sampling rate, noise and steps), its training throughput (examples/s, all
processes together, training loop only) and the scaling N-process / 1-process.
Usage: python benchmarks/bench_ddp.py [--nproc 2] [--epochs 1] [--batch-size 256] [--device cpu]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def run(nproc: int, out: Path, args) -> dict:
    torchrun = Path(sys.executable).with_name("torchrun")
    cmd = [str(torchrun), "--standalone", "--nproc_per_node", str(nproc), "-m",
           "sample_models.census_income.train_ddp", "--out", str(out), "--epochs", str(args.epochs),
           "--batch-size", str(args.batch_size), "--noise", str(args.noise),
           "--device", args.device, "--threads", str(args.threads)]
    if args.subset:
        cmd += ["--subset", str(args.subset)]
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads)}
    subprocess.run(cmd, check=True, env=env, capture_output=True, text=True)
    return json.loads((out / "summary.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nproc", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--noise", type=float, default=1.0)
    parser.add_argument("--subset", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per process")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        one = run(1, Path(tmp) / "one", args)
        many = run(args.nproc, Path(tmp) / "many", args)
    print(f"census MLP, {one['train_rows']:,} rows, global batch {args.batch_size}, noise "
          f"{args.noise}, {args.epochs} epoch(s), device {args.device}, {args.threads} thread(s)/process")
    print(f"{'processes':>9} {'backend':>8} {'steps':>6} {'epsilon':>10} {'examples/s':>11}")
    for r in (one, many):
        print(f"{r['world_size']:>9} {str(r['backend']):>8} {r['steps']:>6} {r['epsilon']:>10.6f} "
              f"{r['examples_per_s']:>11.0f}")
    print(f"same epsilon: {one['epsilon'] == many['epsilon']} "
          f"(|diff| = {abs(one['epsilon'] - many['epsilon']):.2e}); throughput scaling "
          f"{args.nproc} vs 1 process: {many['examples_per_s'] / one['examples_per_s']:.2f}x")


if __name__ == "__main__":
    main()
