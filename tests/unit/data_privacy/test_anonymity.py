"""k-anonymity, l-diversity and risk numbers, cross-checked by a brute-force pandas groupby."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from audit.data_privacy import anonymity, equivalence_classes
from audit.data_privacy._classes import combine_codes
from tests.unit.data_privacy.conftest import QIS


def brute_force(frame: pd.DataFrame, qis: list[str], sensitive: str | None = None) -> pd.DataFrame:
    """Per class: size, distinct sensitive values, entropy l (a plain groupby)."""
    grouped = frame.groupby(qis, dropna=False, sort=False)
    out = pd.DataFrame({"size": grouped.size()})
    if sensitive is not None:
        out["distinct"] = grouped[sensitive].nunique(dropna=False)
        cells = frame.groupby([*qis, sensitive], dropna=False, sort=False).size()
        p = cells / cells.groupby(level=qis, dropna=False, sort=False).transform("sum")
        entropy = -(p * np.log(p)).groupby(level=qis, dropna=False, sort=False).sum()
        out["entropy_l"] = np.exp(entropy.reindex(out.index))
    return out


def test_census_matches_groupby(census):
    a = anonymity(census, QIS, k_target=5, sensitive="income", l_target=2, n_smallest=20)
    ref = brute_force(census, QIS, "income")
    sizes = ref["size"].to_numpy()
    assert a.n_rows == len(census) == 48_842
    assert a.n_classes == len(ref)
    assert a.k == sizes.min() == 1
    assert a.unique_rows == (sizes == 1).sum()
    assert a.unique_share == pytest.approx((sizes == 1).sum() / len(census), abs=0)
    assert a.rows_below_k_target == sizes[sizes < 5].sum()
    assert a.prosecutor_risk_mean == pytest.approx(len(ref) / len(census), rel=1e-12)
    assert a.l_distinct == ref["distinct"].min()
    assert a.l_entropy == pytest.approx(ref["entropy_l"].min(), rel=1e-9)
    assert a.classes_below_l_target == (ref["distinct"] < 2).sum()
    assert a.rows_below_l_target == ref.loc[ref["distinct"] < 2, "size"].sum()
    assert sum(b.n_rows for b in a.size_histogram) == len(census)
    assert sum(b.n_classes for b in a.size_histogram) == len(ref)
    # pinned: the census is far from anonymous on these 8 attributes
    assert (a.n_classes, a.unique_rows, a.rows_below_k_target) == (27_118, 20_593, 33_015)


def test_smallest_classes_are_real_classes(census):
    a = anonymity(census, QIS, k_target=5, sensitive="income", n_smallest=15)
    sizes = [e.size for e in a.smallest]
    assert sizes == sorted(sizes)
    for e in a.smallest:
        mask = np.ones(len(census), dtype=bool)
        for q in QIS:
            mask &= census[q].astype(str).to_numpy() == e.values[q]
        assert mask.sum() == e.size
        assert census.loc[mask, "income"].nunique() == e.sensitive_distinct


def test_entropy_l_on_a_larger_class():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.integers(0, 3, 500), "b": rng.choice(list("xyz"), 500),
                          "s": rng.choice(["p", "q", "r", None], 500)})
    a = anonymity(frame, ["a", "b"], sensitive="s", k_target=60)
    ref = brute_force(frame, ["a", "b"], "s")
    assert a.k == ref["size"].min()
    assert a.l_distinct == ref["distinct"].min()
    assert a.l_entropy == pytest.approx(ref["entropy_l"].min(), rel=1e-9)
    assert a.rows_below_k_target == ref.loc[ref["size"] < 60, "size"].sum()


def test_missing_values_form_their_own_class():
    frame = pd.DataFrame({"a": [1.0, np.nan, np.nan, 1.0], "b": ["x", "x", "x", None]})
    inverse, sizes = equivalence_classes(frame, ["a", "b"])
    assert sorted(sizes.tolist()) == sorted(brute_force(frame, ["a", "b"])["size"].tolist()) == [1, 1, 2]


def test_combine_codes_refactorises_instead_of_overflowing():
    rng = np.random.default_rng(1)
    n = 2000
    codes = [rng.integers(0, 2 ** 20, n) for _ in range(5)]  # 2**100 combinations
    inverse, n_classes = combine_codes(codes, [2 ** 20] * 5, n)
    ref = pd.DataFrame(np.column_stack(codes)).groupby(list(range(5))).ngroups
    assert n_classes == ref
    dup = combine_codes([c[:10].repeat(2) for c in codes], [2 ** 20] * 5, 20)
    assert dup[1] == 10


def test_one_column_and_all_equal():
    frame = pd.DataFrame({"a": ["x"] * 7, "s": [0, 1, 0, 1, 0, 1, 1]})
    a = anonymity(frame, ["a"], sensitive="s", k_target=7)
    assert (a.k, a.n_classes, a.unique_rows, a.rows_below_k_target, a.l_distinct) == (7, 1, 0, 0, 2)
    assert a.l_entropy == pytest.approx(math.exp(-(3 / 7 * math.log(3 / 7) + 4 / 7 * math.log(4 / 7))))
    assert a.prosecutor_risk_max == pytest.approx(1 / 7)
