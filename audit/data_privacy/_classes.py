"""Equivalence classes on quasi-identifiers, vectorised: k-anonymity, l-diversity, risk.

Each column is factorised to integer codes, the codes are combined into one integer key per row
(mixed radix, re-factorised before it could overflow), and class sizes come from ``bincount``.
``tests/unit/data_privacy`` checks every number against a brute-force pandas ``groupby``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from audit.result import Anonymity, ClassSizeBin, EquivalenceClass

_LIMIT = 2 ** 62
#: Class-size bins of the histogram (inclusive bounds; the last is open-ended).
SIZE_BINS = ((1, 1), (2, 2), (3, 4), (5, 9), (10, 19), (20, 49), (50, 99), (100, None))


def column_codes(column: pd.Series) -> tuple[np.ndarray, int]:
    """Integer codes ``0..card-1`` of a column (missing values are a value of their own)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    return codes.astype(np.int64, copy=False), max(len(uniques), 1)


def combine_codes(codes: Sequence[np.ndarray], cards: Sequence[int], n_rows: int
                  ) -> tuple[np.ndarray, int]:
    """One class id per row for the combination of coded columns.

    Returns
    -------
    inverse : numpy.ndarray
        Class id ``0..n_classes-1`` of each row, numbered by first appearance.
    n_classes : int
    """
    key = np.zeros(n_rows, dtype=np.int64)
    span = 1
    for code, card in zip(codes, cards):
        if span * card >= _LIMIT:
            key, uniques = pd.factorize(key)
            span = len(uniques)
        key = key * card + code
        span *= card
    inverse, uniques = pd.factorize(key)
    return inverse.astype(np.int64, copy=False), len(uniques)


def equivalence_classes(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Class id of each row and the size of each class, on ``columns``."""
    pairs = [column_codes(frame[c]) for c in columns]
    inverse, n_classes = combine_codes([p[0] for p in pairs], [p[1] for p in pairs], len(frame))
    return inverse, np.bincount(inverse, minlength=n_classes)


def l_diversity(inverse: np.ndarray, n_classes: int, sensitive: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """Distinct sensitive values per class, and entropy l (``exp`` of the class entropy).

    ``sensitive`` holds integer codes of the sensitive column, one per row.
    """
    n_sens = int(sensitive.max()) + 1 if len(sensitive) else 1
    pair_ids, pair_counts = np.unique(inverse * n_sens + sensitive, return_counts=True)
    pair_class = pair_ids // n_sens
    distinct = np.bincount(pair_class, minlength=n_classes)
    sizes = np.bincount(inverse, minlength=n_classes)
    p = pair_counts / sizes[pair_class]
    entropy = -np.bincount(pair_class, weights=p * np.log(p), minlength=n_classes)
    return distinct, np.exp(entropy)


def size_histogram(sizes: np.ndarray) -> tuple[ClassSizeBin, ...]:
    """Classes and rows per class-size bin (:data:`SIZE_BINS`)."""
    bins = []
    for low, high in SIZE_BINS:
        mask = sizes >= low if high is None else (sizes >= low) & (sizes <= high)
        label = f"{low}+" if high is None else (str(low) if low == high else f"{low}-{high}")
        bins.append(ClassSizeBin(label=label, low=low, high=-1 if high is None else high,
                                 n_classes=int(mask.sum()), n_rows=int(sizes[mask].sum())))
    return tuple(bins)


def anonymity(frame: pd.DataFrame, quasi_identifiers: Sequence[str], *, k_target: int = 5,
              sensitive: str | None = None, l_target: int = 2, n_smallest: int = 10) -> Anonymity:
    """k-anonymity, l-diversity and prosecutor risk of ``frame`` on ``quasi_identifiers``.

    Columns are not validated here (see :func:`audit.data_privacy.scan_table`).

    Examples
    --------
    >>> frame = pd.DataFrame({"age": [30, 30, 41], "sex": ["F", "F", "M"], "y": [0, 1, 0]})
    >>> a = anonymity(frame, ["age", "sex"], sensitive="y", k_target=2)
    >>> a.k, a.unique_rows, a.l_distinct
    (1, 1, 1)
    """
    qis = tuple(quasi_identifiers)
    n = len(frame)
    inverse, sizes = equivalence_classes(frame, qis)
    n_classes = len(sizes)
    row_sizes = sizes[inverse]
    below = row_sizes < k_target
    l_distinct = l_entropy = None
    classes_below_l = rows_below_l = 0
    distinct = np.zeros(n_classes, dtype=np.int64)
    if sensitive is not None and n:
        sens_codes, _ = column_codes(frame[sensitive])
        distinct, entropy_l = l_diversity(inverse, n_classes, sens_codes)
        l_distinct, l_entropy = int(distinct.min()), float(entropy_l.min())
        low_l = distinct < l_target
        classes_below_l, rows_below_l = int(low_l.sum()), int(sizes[low_l].sum())
    # smallest classes first; ties by first appearance (class ids are numbered that way)
    order = np.lexsort((np.arange(n_classes), sizes))[:n_smallest]
    first_row = np.full(n_classes, n, dtype=np.int64)
    np.minimum.at(first_row, inverse, np.arange(n))
    smallest = tuple(
        EquivalenceClass(values={c: str(frame[c].iat[first_row[i]]) for c in qis},
                         size=int(sizes[i]), sensitive_distinct=int(distinct[i]))
        for i in order)
    return Anonymity(
        quasi_identifiers=qis, n_rows=n, n_classes=n_classes,
        k=int(sizes.min()) if n else 0, k_target=k_target,
        unique_rows=int((sizes == 1).sum()), unique_share=float((sizes == 1).sum() / n) if n else 0.0,
        rows_below_k_target=int(below.sum()), share_below_k_target=float(below.mean()) if n else 0.0,
        prosecutor_risk_max=float(1.0 / sizes.min()) if n else 0.0,
        prosecutor_risk_mean=float(n_classes / n) if n else 0.0,
        size_histogram=size_histogram(sizes), smallest=smallest, sensitive=sensitive,
        l_distinct=l_distinct, l_entropy=l_entropy, l_target=l_target,
        classes_below_l_target=classes_below_l, rows_below_l_target=rows_below_l)
