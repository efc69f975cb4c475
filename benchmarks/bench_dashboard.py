"""Dashboard responsiveness with a census-sized and a 1M-row result (issue 7).

The dashboard never holds rows: a result keeps counts, binned score histograms and curves, so its
size and the pages' work do not grow with the rows audited. This script shows it: it audits the
fairness of a synthetic 1,000,000-row evaluation (seeded; census-like groups and base rate),
puts that section into a result next to a 16,281-row one, and times, with Streamlit's AppTest
(the app's real code, no browser), the first render of every page and a move of the Fairness
page's what-if threshold slider.

Run: ``python benchmarks/bench_dashboard.py`` (about a minute on 2 CPU cores). The score
bootstrap (per-group ROC AUC intervals) is left out of the 1M-row audit here: it resamples rows,
so it is the one part of the audit whose cost grows with them (about 3 minutes at 1M rows).
"""

from __future__ import annotations

import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

# AppTest runs pages outside a server, where streamlit logs a harmless warning per cached call.
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audit.fairness import FairnessAuditConfig, audit_fairness  # noqa: E402
from audit.result import save_result  # noqa: E402
from tests.unit.test_result_schema import make_result  # noqa: E402

APP = str(ROOT / "dashboards" / "app.py")
PAGES = ("pages/overview.py", "pages/training.py", "pages/privacy.py", "pages/fairness.py",
         "pages/explainability.py", "pages/compare.py")


def synthetic_evaluation(n: int, seed: int = 0):
    """Labels, scores and census-like sensitive features for ``n`` rows."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["Female", "Male"], n, p=[0.33, 0.67])
    race = rng.choice(["White", "Black", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other"], n,
                      p=[0.85, 0.10, 0.03, 0.01, 0.01])
    age = rng.choice(["17-29", "30-44", "45-59", "60+"], n)
    y = (rng.random(n) < 0.24).astype(int)
    score = np.clip(0.24 + 0.5 * (y - 0.24) + rng.normal(0, 0.2, n) + 0.05 * (sex == "Male"), 0, 1)
    return y, score, pd.DataFrame({"sex": sex, "race": race, "age": age})


def result_with_rows(n: int, folder: Path) -> tuple[Path, float]:
    """A result.json whose fairness section audits ``n`` rows; returns its path and audit time."""
    y, score, groups = synthetic_evaluation(n)
    tick = time.perf_counter()
    section = audit_fairness(y, score, groups,
                             config=FairnessAuditConfig(score_bootstrap_replicates=0))
    seconds = time.perf_counter() - tick
    base = make_result()
    data = dataclasses.replace(base.metadata.data, n_test=n)
    result = dataclasses.replace(base, fairness=section,
                                 metadata=dataclasses.replace(base.metadata, data=data))
    return save_result(result, folder / f"rows-{n}" / "result.json"), seconds


def time_pages(results: Path) -> dict[str, float]:
    """Seconds of the first render of each page, and of one what-if slider move."""
    from streamlit.testing.v1 import AppTest

    os.environ["RAI_AUDIT_RESULTS"] = str(results)
    times = {}
    for page in PAGES:
        at = AppTest.from_file(APP, default_timeout=120)
        at.run()
        tick = time.perf_counter()
        at.switch_page(page)
        at.run()
        times[page.removeprefix("pages/").removesuffix(".py")] = time.perf_counter() - tick
        assert not at.exception, at.exception
        if page == "pages/fairness.py":
            slider = at.slider(key="fairness_whatif_threshold")
            tick = time.perf_counter()
            slider.set_value(0.3).run()
            times["fairness what-if move"] = time.perf_counter() - tick
            assert not at.exception, at.exception
    return times


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        time_pages(result_with_rows(1_000, Path(tmp))[0])  # warm-up: imports and caches
        rows = {}
        for n in (16_281, 1_000_000):
            path, audit_seconds = result_with_rows(n, Path(tmp))
            rows[n] = (path, audit_seconds, time_pages(path))
        print(f"{'':28s}{'16,281 rows':>14s}{'1,000,000 rows':>16s}{'ratio':>8s}")
        small, large = rows[16_281], rows[1_000_000]
        print(f"{'fairness audit (s)':28s}{small[1]:14.2f}{large[1]:16.2f}{large[1] / small[1]:8.1f}")
        size_s, size_l = small[0].stat().st_size / 1e3, large[0].stat().st_size / 1e3
        print(f"{'result.json (kB)':28s}{size_s:14.1f}{size_l:16.1f}{size_l / size_s:8.2f}")
        for key in small[2]:
            a, b = small[2][key], large[2][key]
            print(f"{key + ' (s)':28s}{a:14.3f}{b:16.3f}{b / a:8.2f}")


if __name__ == "__main__":
    main()
