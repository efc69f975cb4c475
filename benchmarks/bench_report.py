"""HTML report rendering time and size for the census demo (issue 7 target: under 2 s, under 5 MB).

Run: ``python benchmarks/bench_report.py [result.json]``. Without an argument it reads
``reports/out/demo/result.json`` (written by ``make demo``) and, when that is missing, runs the
census sample audit first (about a minute). Prints the median of 5 renders after one warm-up
(the warm-up pays the imports and Jinja2's template compilation, which a long-lived process pays
once), the time to get the Vega bundle (built once, then read from the disk cache), the slowest
sections, and the file size.
"""

from __future__ import annotations

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
    from reports import _render, _vega

    path = census_result(argv)
    result = load_result(path)
    tick = time.perf_counter()
    bundle = _vega.vega_bundle()
    bundle_s = time.perf_counter() - tick
    tick = time.perf_counter()
    html = render_report(result)
    cold = time.perf_counter() - tick
    times = []
    for _ in range(5):
        tick = time.perf_counter()
        render_report(result)
        times.append(time.perf_counter() - tick)
    sections = []
    for view in _render.SECTION_VIEWS:
        tick = time.perf_counter()
        view.context(result)
        sections.append((time.perf_counter() - tick, view.__name__.rsplit(".", 1)[-1]))
    print(f"result: {path}")
    print(f"report render: median {statistics.median(times):.3f} s over 5 "
          f"(min {min(times):.3f}, first render in this process {cold:.3f}); target < 2 s")
    print(f"Vega bundle: {len(bundle) / 1e6:.2f} MB, {bundle_s:.2f} s to get "
          f"({'built, about 2 s, then cached' if bundle_s > 0.5 else 'read from the disk cache'}: "
          f"{_vega.cache_dir()})")
    charts = html.count('class="rai-chart"')
    print(f"report size: {len(html.encode()) / 1e6:.2f} MB; target < 5 MB; {charts} charts")
    print("slowest sections (context, s):")
    for seconds, name in sorted(sections, reverse=True)[:5]:
        print(f"  {name:28s} {seconds:6.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
