"""The prediction-log audit on pandas against the row-level modules on the same rows: the
fairness counts, metrics, intervals and verdicts equal audit_fairness's, slices equal
audit_errors's, k-anonymity equals the data-privacy scan's, score metrics are within their
stated error, and the planted problems are found."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest
from sklearn.metrics import roc_auc_score

from audit.data_privacy import anonymity
from audit.error_analysis import ErrorAnalysisConfig, audit_errors
from audit.fairness import FairnessAuditConfig, GroupCounts, audit_fairness
from audit.predictions import audit_predictions
from tests.unit.predictions._log import CONFIG, KW, same


def test_fairness_equals_the_row_level_audit(log_frame, pandas_result):
    config = FairnessAuditConfig(**CONFIG["fairness"])
    reference = audit_fairness(log_frame["label"], log_frame["score"], log_frame[["sex", "race"]],
                               config=config, seed=0)
    ours = pandas_result.fairness
    assert [p.name for p in ours.partitions] == ["sex", "race", "sex x race"]
    for a, b in zip(ours.partitions, reference.partitions):
        assert [g.group for g in a.groups] == [g.group for g in b.groups]
        for ga, gb in zip(a.groups, b.groups):
            assert ga.confusion == gb.confusion and ga.size == gb.size
            for m, va in ga.metrics.items():
                vb = gb.metrics[m]
                if m == "roc_auc":  # binned: within the stated bound of the exact AUC
                    assert 0 < va.error_bound < 2e-3
                    assert abs(va.value - vb.value) <= va.error_bound + 1e-12
                elif m == "expected_calibration_error":
                    assert va.value == pytest.approx(vb.value, abs=1e-12)
                else:  # same counts, same seed: same values and intervals
                    same(va, vb)
        same(a.disparities, b.disparities)
        assert a.histogram == b.histogram  # what-if thresholds read the same bins (1.0 its own)


def test_the_planted_disparities_are_found(pandas_result):
    sex = pandas_result.fairness.partitions[0]
    dp = next(d for d in sex.disparities if d.name == "demographic_parity_difference")
    assert dp.worst_group == "F" and dp.verdict == "fail" and dp.conclusive
    assert 0.15 < dp.value < 0.3
    race = pandas_result.fairness.partitions[1]
    assert next(d for d in race.disparities
                if d.name == "demographic_parity_difference").verdict == "pass"
    # over time: the gap doubles from week 7, so the latest week fails by more than the first
    windows = pandas_result.fairness.windows
    assert [w.window for w in windows] == [f"2024-W{i:02d}" for i in range(1, 11)]
    gaps = [next(d for d in w.partitions[0].disparities
                 if d.name == "demographic_parity_difference") for w in windows]
    assert max(g.value for g in gaps[:5]) < 0.2 < min(g.value for g in gaps[6:])
    assert gaps[-1].interval.low > 0.1  # the latest window fails conclusively
    # the slice where decisions are worst: region east on the web channel
    top = next(c for c in pandas_result.error_analysis.analyses[0].cohorts if c.significant)
    assert top.text == "region = east and channel = web"
    assert top.difference > 0.08 and top.q_value < 1e-20


def test_windows_equal_counts_of_their_rows(log_frame, pandas_result):
    for w in pandas_result.fairness.windows:
        rows = log_frame[(log_frame["ts"] >= w.start) & (log_frame["ts"] < w.end)]
        assert len(rows) == w.n_rows
        for part in w.partitions:
            counts = GroupCounts.from_predictions(rows["label"], (rows["score"] >= 0.5).astype(int),
                                                  rows[list(part.features)])
            assert [g.group for g in part.groups] == list(counts.names)
            assert [g.confusion for g in part.groups] == [
                tuple(int(v) for v in c.ravel()) for c in counts.counts]
            values = {d.name: d.value for d in part.disparities}
            same(values, counts.disparities())
        sel = w.partitions[0].groups[0].metrics["selection_rate"]
        assert sel.interval.low <= sel.value <= sel.interval.high
    assert sum(w.n_rows for w in pandas_result.fairness.windows) == len(log_frame)


def test_slices_equal_the_row_level_error_analysis(log_frame, pandas_result):
    config = ErrorAnalysisConfig(**CONFIG["error_analysis"])
    reference = audit_errors(log_frame["label"], (log_frame["score"] >= 0.5).astype(int),
                             log_frame[["age", "region", "channel", "sex", "race"]],
                             config=config, sensitive_features=["sex", "race"])
    ours = pandas_result.error_analysis
    assert ours.bins == reference.bins and "age" in ours.bins
    for a, b in zip(ours.analyses, reference.analyses):
        assert (a.n_slices_tested, a.n_significant) == (b.n_slices_tested, b.n_significant)
        same(a.cohorts, b.cohorts)
        assert a.tree_nodes == () and a.leaves == ()  # the tree needs rows


def test_privacy_scan_equals_the_row_level_scan(log_frame, pandas_result):
    reference = anonymity(log_frame, ["age", "sex", "region"], sensitive="label", k_target=5)
    ours = pandas_result.data_privacy.anonymity
    for field in ("n_rows", "n_classes", "k", "unique_rows", "rows_below_k_target",
                  "l_distinct", "classes_below_l_target", "rows_below_l_target",
                  "size_histogram", "prosecutor_risk_max", "prosecutor_risk_mean"):
        assert getattr(ours, field) == getattr(reference, field), field
    assert ours.l_entropy == pytest.approx(reference.l_entropy, rel=1e-12)
    assert [c.size for c in ours.smallest] == [c.size for c in reference.smallest]


def test_quality_of_the_whole_log(log_frame, pandas_result):
    q = pandas_result.quality
    y, s = log_frame["label"].to_numpy(), log_frame["score"].to_numpy()
    pred = (s >= 0.5).astype(int)
    assert q.n == len(y) and q.accuracy == pytest.approx((pred == y).mean(), abs=1e-15)
    ci = binomtest(int((pred == y).sum()), len(y)).proportion_ci(method="wilson")
    assert (q.accuracy_interval.low, q.accuracy_interval.high) == pytest.approx((ci.low, ci.high))
    assert abs(q.roc_auc - roc_auc_score(y, s)) < 1e-3
    clipped = np.clip(s, 1e-12, 1 - 1e-12)
    assert q.log_loss == pytest.approx(-np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped)),
                                       rel=1e-12)


def test_metadata_lists_every_aggregate(pandas_result, log_frame):
    log = pandas_result.metadata.log
    assert log.engine == "pandas" and log.n_rows == len(log_frame)
    assert log.rows_collected == sum(q.rows for q in log.queries)
    assert all(q.rows <= q.limit for q in log.queries)
    assert log.first_timestamp.startswith("2024-01-01") and log.window == "week"


@pytest.mark.parametrize("kind", ["polars", "polars_lazy", "pyarrow", "path"])
def test_other_single_machine_engines_give_the_same_result(kind, log_frame, log_parquet,
                                                           pandas_result):
    pl = pytest.importorskip("polars")
    import pyarrow as pa

    table = {"polars": lambda: pl.from_pandas(log_frame),
             "polars_lazy": lambda: pl.scan_parquet(log_parquet),
             "pyarrow": lambda: pa.Table.from_pandas(log_frame),
             "path": lambda: str(log_parquet)}[kind]()
    result = audit_predictions(table, **KW, config=CONFIG)
    assert result.metadata.log.engine == ("pyarrow" if kind == "pyarrow" else "polars")
    for section in ("fairness", "error_analysis", "data_privacy", "quality"):
        ours, theirs = getattr(result, section), getattr(pandas_result, section)
        if section == "fairness":
            ours, theirs = ours.partitions + tuple(ours.windows), (
                theirs.partitions + tuple(theirs.windows))
        elif section == "error_analysis":
            ours, theirs = ours.analyses, theirs.analyses
        elif section == "data_privacy":
            ours, theirs = ours.anonymity, theirs.anonymity
        same(ours, theirs)


def test_counts_tables_do_not_grow_with_the_rows(log_frame):
    small = audit_predictions(log_frame, **KW, config={**CONFIG, "score_bins": 100})
    big = audit_predictions(pd.concat([log_frame] * 4, ignore_index=True), **KW,
                            config={**CONFIG, "score_bins": 100})
    assert big.metadata.log.n_rows == 4 * small.metadata.log.n_rows
    assert big.metadata.log.rows_collected == small.metadata.log.rows_collected


def test_engine_coding_paths_give_the_same_slices(log_frame, pandas_result):
    """The joint value counts (one pass) against coding in the engine: the counts cube, the
    stacked per-combination keys, and grid quantiles for a feature with too many values."""
    from audit.predictions import open_log
    from audit.predictions._slices import count_log_slices, encode_features, joint_slices
    from audit.predictions._spec import LogSpec

    log = open_log(log_frame)
    spec = LogSpec(label="label", favourable_label="1", sensitive_features=("sex", "race"),
                   score="score")
    names = ["age", "region", "channel", "sex", "race"]
    assert joint_slices(log, spec, names, n_bins=5, max_order=2, min_support=100,
                        limit=100_000) is None  # a float column: coded in the engine instead
    integral = open_log(log_frame.assign(age=log_frame["age"].astype("Int64")))
    codes, joint = joint_slices(integral, spec, names, n_bins=5, max_order=2, min_support=100,
                                limit=100_000)
    exact = encode_features(log, names, n_bins=5)
    grid = encode_features(log, names, n_bins=5, max_levels=10)  # age: 62 values > 10
    assert [c.encoded.conditions for c in grid] == [c.encoded.conditions for c in exact] == [
        c.encoded.conditions for c in codes]
    assert grid[0].exact  # integral ages: every grid cell holds one value
    cube = count_log_slices(log, spec, exact, max_order=2, min_support=100, limit=100_000)
    stacked = count_log_slices(log, spec, exact, max_order=2, min_support=100, limit=600)
    assert [q.name for q in log.queries[-2:]] == ["slice cube", "slices (stacked)"]
    for other in (cube, stacked):
        assert other.combos == joint.combos
        np.testing.assert_array_equal(other.levels, joint.levels)
        np.testing.assert_array_equal(other.counts, joint.counts)
        np.testing.assert_array_equal(other.total, joint.total)
    counts = pandas_result.error_analysis.analyses[0]
    assert counts.n_slices_tested > 0
