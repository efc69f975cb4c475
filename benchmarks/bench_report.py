"""HTML report rendering time and size for the census demo (issue 7 target: under 2 s, under 5 MB).

Run: ``python benchmarks/bench_report.py [result.json]``. Without an argument it reads
``reports/out/demo/result.json`` (written by ``make demo``) and, when that is missing, runs the
census sample audit first (about a minute). Prints the median of 5 renders after one warm-up
(the warm-up pays the imports and Jinja2's template compilation, which a long-lived process pays
once), the slowest chart kinds, and the file size.
"""

from __future__ import annotations

import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audit.result import load_result  # noqa: E402
from reports import render_report  # noqa: E402


def census_result(argv: list[str]) -> Path:
    if argv:
        return Path(argv[0])
    demo = ROOT / "reports" / "out" / "demo" / "result.json"
    if demo.is_file():
        return demo
    from audit.config import load_config
    from audit.result import save_result
    from audit.runner import run_audit

    out = Path(tempfile.mkdtemp())
    run = run_audit(load_config(ROOT / "sample_models" / "census_income" / "audit.yaml"),
                    output_dir=out, progress=False)
    return save_result(run.result, out / "result.json")


def main(argv: list[str]) -> None:
    path = census_result(argv)
    result = load_result(path)
    tick = time.perf_counter()
    html = render_report(result)
    cold = time.perf_counter() - tick
    times = []
    for _ in range(5):
        tick = time.perf_counter()
        render_report(result)
        times.append(time.perf_counter() - tick)
    profile = cProfile.Profile()
    profile.runcall(render_report, result)
    stats = pstats.Stats(profile).stats
    charts = sorted(((v[3], v[1], k[2]) for k, v in stats.items()
                     if k[0].endswith(("_charts.py", "_view.py")) and k[2].endswith("_chart")),
                    reverse=True)
    print(f"result: {path}")
    print(f"report render: median {statistics.median(times):.2f} s over 5 "
          f"(min {min(times):.2f}, first render in this process {cold:.2f}); target < 2 s")
    print(f"report size: {len(html.encode()) / 1e6:.2f} MB; target < 5 MB")
    print("slowest chart kinds under the profiler (cumulative s, calls):")
    for seconds, calls, name in charts[:6]:
        print(f"  {name:32s} {seconds:6.2f} s  x{calls}")


if __name__ == "__main__":
    main(sys.argv[1:])
