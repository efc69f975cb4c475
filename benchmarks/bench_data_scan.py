"""Benchmark of the data privacy scan on the full census data (prints seconds and ratios).

    python benchmarks/bench_data_scan.py
    python benchmarks/bench_data_scan.py --repeat 5 --k 10

On UCI Adult, train + test rows (48,842) and 8 quasi-identifiers (age, sex, race,
native-country, marital-status, education, occupation, workclass), best of ``--repeat``:

1. the whole scan (``scan_table``: k-anonymity, l-diversity, column and pair uniqueness, the
   generalisation search to k); target: under 5 s;
2. its parts: k-anonymity + l-diversity alone, and the generalisation search alone (with the
   number of lattice nodes it evaluated);
3. anchor: the same k and l by a plain pandas ``groupby`` (what the tests cross-check against),
   timed in the same run, with the ratio.
"""

from __future__ import annotations

import argparse

from _timing import best_of

QIS = ["age", "sex", "race", "native-country", "marital-status", "education", "occupation", "workclass"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()

    from audit.data_privacy import anonymity, census_table, scan_table, search_generalisation

    frame = census_table()
    print(f"census: {len(frame):,} rows x {frame.shape[1]} columns; {len(QIS)} quasi-identifiers; "
          f"target k = {args.k}; best of {args.repeat}")

    t_scan, section = best_of(lambda: scan_table(frame, QIS, sensitive="income", k_target=args.k),
                              args.repeat)
    t_anon, a = best_of(lambda: anonymity(frame, QIS, sensitive="income", k_target=args.k),
                        args.repeat)
    t_gen, g = best_of(lambda: search_generalisation(frame, QIS, args.k, sensitive="income"),
                       args.repeat)

    def groupby():
        grouped = frame.groupby(QIS, dropna=False, sort=False)
        return grouped.size().min(), grouped["income"].nunique().min()

    t_ref, (k_ref, l_ref) = best_of(groupby, args.repeat)
    assert (k_ref, l_ref) == (a.k, a.l_distinct), "k or l differs from the pandas groupby"

    print(f"full scan (scan_table)           {t_scan:7.3f} s   target < 5 s: "
          f"{'met' if t_scan < 5 else 'NOT met'}")
    print("  its parts: " + ", ".join(f"{k.removesuffix('_seconds')} {v:.3f} s"
                                      for k, v in section.timings.items()))
    print(f"k-anonymity + l-diversity        {t_anon:7.3f} s   k = {a.k}, distinct l = {a.l_distinct}, "
          f"{a.unique_share:.1%} rows unique, {a.n_classes:,} classes")
    print(f"pandas groupby anchor (k, l)     {t_ref:7.3f} s   same k and l; ours / groupby = "
          f"{t_anon / t_ref:.2f}x (ours also computes entropy l, histogram, smallest classes)")
    s = g.summary
    print(f"generalisation search            {t_gen:7.3f} s   {s.strategy}, {s.nodes_evaluated} nodes "
          f"({1000 * t_gen / s.nodes_evaluated:.1f} ms each): k = {s.k}, NCP {s.ncp:.3f}, "
          f"{s.suppressed_rows:,} rows suppressed ({s.suppressed_share:.2%})")


if __name__ == "__main__":
    main()
