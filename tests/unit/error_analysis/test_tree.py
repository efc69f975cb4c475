"""The error tree finds a planted cohort and reads it back as a path of conditions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audit.error_analysis._tree import fit_error_tree, node_counts


@pytest.fixture
def planted():
    rng = np.random.default_rng(0)
    n = 4000
    frame = pd.DataFrame({"job": rng.choice(["clerk", "pilot", "cook"], n),
                          "age": rng.integers(18, 80, n).astype(float),
                          "noise": rng.normal(size=n)})
    bad = (frame["job"] == "pilot").to_numpy() & (frame["age"] > 50).to_numpy()
    y = rng.integers(0, 2, n)
    pred = np.where(bad, 1 - y, y)  # every error is in the planted cohort
    return frame, y, pred, bad


def test_tree_isolates_the_planted_cohort(planted):
    frame, y, pred, bad = planted
    errors = (y != pred).astype(int)
    tree = fit_error_tree(frame, errors, np.ones(len(y), dtype=bool), max_depth=3,
                          min_samples_leaf=50)
    counts = node_counts(tree, y, pred)
    error_rate = (counts[:, 0, 1] + counts[:, 1, 0]) / counts.sum(axis=(1, 2))
    worst = max(tree.leaves, key=lambda n: error_rate[n])
    assert error_rate[worst] == 1.0 and counts[worst].sum() == bad.sum()
    definition = dict(tree.definition(worst))
    assert definition == {"job": "job = pilot", "age": "age > 50.5"}
    # node counts equal the rows reaching each node, the root holds all rows
    assert counts[0].sum() == len(y)
    leaf_rows = np.bincount(tree.leaf_of_row, minlength=len(tree.children))
    for node in tree.leaves:
        assert counts[node].sum() == leaf_rows[node]
    for node in range(1, len(tree.children)):
        assert tree.edge[node] and tree.depth[node] == tree.depth[tree.parent[node]] + 1


def test_path_conditions_on_one_feature_merge():
    from audit.error_analysis._tree import FittedTree, _Column

    tree = FittedTree(parent=np.array([-1]), depth=np.array([0]), edge=[""], children=[()],
                      paths=[[(0, False, 30.5), (0, True, 41.5), (1, True, 0.5), (2, True, 0.5),
                              (0, False, 35.0)]],
                      columns=[_Column("age", None), _Column("job", "cook"), _Column("job", "pilot")],
                      membership=None, leaf_of_row=np.zeros(1))
    assert tree.definition(0) == [("age", "35 < age <= 41.5"), ("job", "job not in {cook, pilot}")]


def test_tree_on_the_denominator_rows_only(planted):
    frame, y, pred, bad = planted
    # false positive rate: fitted on actual negatives; leaves still count every row
    fp = ((y == 0) & (pred == 1)).astype(int)
    tree = fit_error_tree(frame, fp, y == 0, max_depth=2, min_samples_leaf=50)
    counts = node_counts(tree, y, pred)
    assert counts[0].sum() == len(y)
    fpr = counts[:, 0, 1] / counts[:, 0].sum(axis=1)
    assert max(fpr[n] for n in tree.leaves) == 1.0
