"""The error tree: a shallow scikit-learn decision tree on a metric's indicator.

The tree is fitted on the rows in the metric's denominator (all rows for the error rate, the
actual negatives for the false positive rate...) to predict whether a row is in its numerator
(an error, a false positive...). Categorical features are one-hot encoded so that every split
reads as ``feature = value``; numbers are split at thresholds. Each leaf becomes a cohort
defined by its path, simplified per feature (``30.5 < age <= 41.5``,
``occupation not in {A, B}``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from audit.error_analysis._slices import fmt_number


@dataclass(frozen=True)
class _Column:
    feature: str
    category: str | None  # None: a numeric column split at a threshold


@dataclass(frozen=True)
class FittedTree:
    """A fitted error tree, readable.

    Attributes
    ----------
    parent, depth : numpy.ndarray
        Per node (parent -1 for the root).
    edge : list of str
        The condition leading from each node's parent to it ("" for the root).
    children : list of tuple of int
    paths : list of list of tuple
        Per node, the raw ``(column index, is_left, threshold)`` steps from the root.
    membership : scipy.sparse matrix
        ``(n_rows, n_nodes)``: which rows (all rows, not only the fitted ones) reach each node.
    leaf_of_row : numpy.ndarray
        Node id of each row's leaf.
    """

    parent: np.ndarray
    depth: np.ndarray
    edge: list[str]
    children: list[tuple[int, ...]]
    paths: list[list[tuple[int, bool, float]]]
    columns: list[_Column]
    membership: object
    leaf_of_row: np.ndarray

    @property
    def leaves(self) -> list[int]:
        return [i for i, c in enumerate(self.children) if not c]

    def definition(self, node: int) -> list[tuple[str, str]]:
        """``(feature, condition)`` pairs defining ``node``, one per feature, in path order."""
        numeric: dict[str, list[float]] = {}
        equal: dict[str, str] = {}
        unequal: dict[str, list[str]] = {}
        order: list[str] = []
        for col, left, threshold in self.paths[node]:
            c = self.columns[col]
            if c.feature not in order:
                order.append(c.feature)
            if c.category is None:
                lo, hi = numeric.setdefault(c.feature, [-np.inf, np.inf])
                numeric[c.feature] = [lo, min(hi, threshold)] if left else [max(lo, threshold), hi]
            elif left:
                unequal.setdefault(c.feature, []).append(c.category)
            else:
                equal[c.feature] = c.category
        out = []
        for f in order:
            if f in numeric:
                lo, hi = numeric[f]
                text = (f"{fmt_number(lo)} < {f} <= {fmt_number(hi)}"
                        if np.isfinite(lo) and np.isfinite(hi)
                        else f"{f} <= {fmt_number(hi)}" if np.isfinite(hi)
                        else f"{f} > {fmt_number(lo)}")
            elif f in equal:
                text = f"{f} = {equal[f]}"
            else:
                values = unequal[f]
                text = (f"{f} ≠ {values[0]}" if len(values) == 1
                        else f"{f} not in {{{', '.join(values)}}}")
            out.append((f, text))
        return out


def design_matrix(frame: pd.DataFrame) -> tuple[np.ndarray, list[_Column]]:
    """Numeric columns as they are, the others one-hot (scikit-learn ``OneHotEncoder``)."""
    from sklearn.preprocessing import OneHotEncoder

    blocks, columns = [], []
    categorical = []
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            blocks.append(column.to_numpy(dtype=np.float64)[:, None])
            columns.append(_Column(str(name), None))
        else:
            categorical.append(name)
    if categorical:
        values = frame[categorical].astype(str).to_numpy(dtype=object)
        encoder = OneHotEncoder(sparse_output=False, dtype=np.float64).fit(values)
        blocks.append(encoder.transform(values))
        for name, cats in zip(categorical, encoder.categories_):
            columns += [_Column(str(name), str(c)) for c in cats]
    return np.hstack(blocks) if blocks else np.zeros((len(frame), 0)), columns


def fit_error_tree(frame: pd.DataFrame, indicator: np.ndarray, fitted_rows: np.ndarray, *,
                   max_depth: int = 3, min_samples_leaf: int = 100,
                   seed: int = 0) -> FittedTree:
    """Fit the tree on ``fitted_rows`` of ``frame`` to predict ``indicator``; describe it.

    Parameters
    ----------
    frame : pandas.DataFrame
        Original features of every row.
    indicator : numpy.ndarray of 0/1
        Whether each row counts in the metric's numerator.
    fitted_rows : numpy.ndarray of bool
        The rows in the metric's denominator.
    """
    from sklearn.tree import DecisionTreeClassifier

    X, columns = design_matrix(frame)
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=min_samples_leaf,
                                  random_state=seed)
    if fitted_rows.any():
        tree.fit(X[fitted_rows], np.asarray(indicator)[fitted_rows])
    else:  # nothing to fit: a single root node
        tree.fit(X[:1], np.zeros(1, dtype=int))
    t = tree.tree_
    n = t.node_count
    parent = np.full(n, -1)
    depth = np.zeros(n, dtype=int)
    edge = [""] * n
    children: list[tuple[int, ...]] = [()] * n
    paths: list[list[tuple[int, bool, float]]] = [[] for _ in range(n)]
    for node in range(n):  # sklearn numbers parents before children
        left, right = int(t.children_left[node]), int(t.children_right[node])
        if left < 0:
            continue
        children[node] = (left, right)
        col, threshold = int(t.feature[node]), float(t.threshold[node])
        c = columns[col]
        for child, is_left in ((left, True), (right, False)):
            parent[child], depth[child] = node, depth[node] + 1
            paths[child] = [*paths[node], (col, is_left, threshold)]
            if c.category is None:
                edge[child] = f"{c.feature} {'<=' if is_left else '>'} {fmt_number(threshold)}"
            else:
                edge[child] = f"{c.feature} {'≠' if is_left else '='} {c.category}"
    return FittedTree(parent=parent, depth=depth, edge=edge, children=children, paths=paths,
                      columns=columns, membership=tree.decision_path(X),
                      leaf_of_row=tree.apply(X))


def node_counts(tree: FittedTree, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Counts ``(n_nodes, 2, 2)`` of all rows reaching each node."""
    cell = np.asarray(y_true, dtype=np.intp) * 2 + np.asarray(y_pred, dtype=np.intp)
    onehot = np.eye(4, dtype=np.int64)[cell]
    counts = tree.membership.T @ onehot
    return np.asarray(counts, dtype=np.int64).reshape(-1, 2, 2)

