"""A 1M-row result: the file stays the size of a small one and the dashboard pages still work.

The dashboard never holds rows (counts, binned score histograms and curves only), so its work does
not grow with the rows audited; ``benchmarks/bench_dashboard.py`` prints the page timings.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from audit.fairness import FairnessAuditConfig, audit_fairness  # noqa: E402
from audit.result import load_result, save_result  # noqa: E402
from tests.unit.test_dashboard_apptest import APP  # noqa: E402
from tests.unit.test_result_schema import make_result  # noqa: E402


def _result_of(n: int, folder):
    rng = np.random.default_rng(0)
    groups = pd.DataFrame({"sex": rng.choice(["Female", "Male"], n, p=[0.33, 0.67]),
                           "race": rng.choice(["White", "Black", "Other"], n, p=[0.85, 0.1, 0.05])})
    y = (rng.random(n) < 0.24).astype(int)
    score = np.clip(0.24 + 0.5 * (y - 0.24) + rng.normal(0, 0.2, n), 0, 1)
    section = audit_fairness(y, score, groups, config=FairnessAuditConfig(
        score_bootstrap_replicates=0, bootstrap_replicates=200))
    base = make_result()
    metadata = dataclasses.replace(base.metadata,
                                   data=dataclasses.replace(base.metadata.data, n_test=n))
    return save_result(dataclasses.replace(base, metadata=metadata).with_section("fairness", section),
                       folder / f"rows-{n}" / "result.json")


@pytest.mark.slow
def test_a_million_row_result_is_as_small_as_a_census_one_and_the_what_if_works(tmp_path,
                                                                                monkeypatch):
    small = _result_of(16_281, tmp_path)
    large = _result_of(1_000_000, tmp_path)
    assert large.stat().st_size < 1.2 * small.stat().st_size
    assert load_result(large).fairness.n_rows == 1_000_000

    monkeypatch.setenv("RAI_AUDIT_RESULTS", str(large))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/fairness.py")
    at.run()
    assert not at.exception, at.exception
    assert any("1,000,000 rows" in str(m.value) for m in [*at.main.markdown, *at.main.caption])
    before = at.main.dataframe[-1].value.copy()
    at.slider(key="fairness_whatif_threshold").set_value(0.9).run()
    assert not at.exception, at.exception
    after = at.main.dataframe[-1].value
    assert not before.equals(after)  # moving the threshold changed the group metrics shown
