"""Fairness counts over a 100M-row parquet table in record batches: rows/s and peak memory.

A synthetic table (0/1 label, float32 score, a 10-group and a 4-group sensitive column,
dictionary-encoded) is written once in 1M-row row groups under --dir and reused (its size on
disk is printed). Counting reads only the needed columns, one record batch at a time, and
merges counts; the peak resident memory of the whole process (VmHWM) is reported, against the
issue's 2 GB bound. The first 2M rows are also counted in memory with ``GroupCounts`` to show
the same numbers. Usage: python benchmarks/bench_chunked_fairness.py [--rows 100000000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from audit.fairness import GroupCounts
from audit.fairness._chunked import count_parquet, count_record_batches

GROUPS = np.array([f"g{i}" for i in range(10)])
REGIONS = np.array(["north", "south", "east", "west"])
ROW_GROUP = 1_000_000


def vm_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def chunk(start: int, n: int) -> pa.Table:
    rng = np.random.default_rng(start)
    group = rng.integers(0, len(GROUPS), n).astype(np.int32)
    region = rng.integers(0, len(REGIONS), n).astype(np.int32)
    score = np.clip(rng.normal(0.45 + 0.01 * group, 0.2), 0, 1).astype(np.float32)
    label = (rng.random(n) < score).astype(np.int8)
    return pa.table({
        "label": label, "score": score,
        "group": pa.DictionaryArray.from_arrays(pa.array(group), pa.array(GROUPS)),
        "region": pa.DictionaryArray.from_arrays(pa.array(region), pa.array(REGIONS))})


def ensure_table(path: Path, rows: int) -> None:
    if path.exists() and pq.ParquetFile(path).metadata.num_rows == rows:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".partial")
    started = time.perf_counter()
    with pq.ParquetWriter(tmp, chunk(0, 1).schema) as writer:
        for start in range(0, rows, ROW_GROUP):
            writer.write_table(chunk(start, min(ROW_GROUP, rows - start)))
    tmp.replace(path)
    print(f"wrote {rows:,} rows in {time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/rai_audit_bench"))
    parser.add_argument("--batch-size", type=int, default=1 << 20)
    args = parser.parse_args()
    path = args.dir / f"fairness_{args.rows}.parquet"
    ensure_table(path, args.rows)
    rss_before = vm_kib("VmRSS:")
    started = time.perf_counter()
    counts = count_parquet(path, y_true="label", score="score", sensitive=["group", "region"],
                           batch_size=args.batch_size)
    seconds = time.perf_counter() - started
    peak_mib = vm_kib("VmHWM:") / 1024
    assert int(counts.sizes.sum()) == args.rows
    print(f"{args.rows:,} rows ({path.stat().st_size / 2**20:,.0f} MiB parquet on disk), "
          f"{len(counts.groups)} groups (group x region), batch {args.batch_size:,} rows")
    print(f"counting: {seconds:.2f} s, {args.rows / seconds / 1e6:.1f} M rows/s")
    print(f"peak RSS of the process: {peak_mib:,.0f} MiB (RSS before counting "
          f"{rss_before / 1024:,.0f} MiB); bound 2048 MiB: {'OK' if peak_mib < 2048 else 'EXCEEDED'}")
    print("disparities:", {k: round(v, 4) for k, v in counts.disparities().items()})
    # row group 0 alone, in record batches, against the in-memory count
    first = pq.ParquetFile(path).read_row_group(0)
    part = count_record_batches(first.to_batches(max_chunksize=100_000), y_true="label",
                                score="score", sensitive=["group", "region"])
    frame = first.to_pandas()
    reference = GroupCounts.from_predictions(frame["label"], (frame["score"] >= 0.5).astype(int),
                                             frame[["group", "region"]].astype(str))
    same = reference.groups == part.groups and np.array_equal(reference.counts, part.counts)
    print(f"row group 0 ({len(frame):,} rows) equals the in-memory GroupCounts: {same}")

if __name__ == "__main__":
    main()
