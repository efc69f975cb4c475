"""k-anonymity and l-diversity of a prediction log from group-bys over its quasi-identifiers.

The equivalence classes (rows sharing every quasi-identifier value) can be as many as the rows,
so they stay in the engine: the driver receives the distribution of class sizes and distinct
sensitive values (one row per occupied (size, l) pair, at most a few thousand), the smallest
entropy l, and the ``n_smallest`` smallest classes. Missing values are a value of their own,
as in :func:`audit.data_privacy.anonymity`; classes of equal size are listed in the order of
their values (the in-memory scan keeps the order of first appearance instead).
"""

from __future__ import annotations

from collections.abc import Sequence

import narwhals as nw
import numpy as np

from audit.data_privacy import SIZE_BINS
from audit.predictions._engines import INTERNAL, PredictionLog
from audit.result import (
    Anonymity,
    ClassSizeBin,
    DataPrivacySection,
    EquivalenceClass,
)

SIZE, DISTINCT, PLOGP, CLASSES, ENTROPY = (
    f"{INTERNAL}{s}" for s in ("size", "l", "plogp", "classes", "entropy"))
_FIX = ("the class-size distribution has too many distinct sizes for the driver; "
        "raise max_counts_rows")


def weighted_size_histogram(sizes: np.ndarray, n_classes: np.ndarray) -> tuple[ClassSizeBin, ...]:
    """:func:`audit.data_privacy._classes.size_histogram` from distinct class sizes and how many
    classes have each (never one entry per class: there may be as many classes as rows)."""
    bins = []
    for low, high in SIZE_BINS:
        mask = sizes >= low if high is None else (sizes >= low) & (sizes <= high)
        label = f"{low}+" if high is None else (str(low) if low == high else f"{low}-{high}")
        bins.append(ClassSizeBin(label=label, low=low, high=-1 if high is None else high,
                                 n_classes=int(n_classes[mask].sum()),
                                 n_rows=int((sizes * n_classes)[mask].sum())))
    return tuple(bins)


def log_anonymity(log: PredictionLog, quasi_identifiers: Sequence[str], *,
                  sensitive: str | None = None, k_target: int = 5, l_target: int = 2,
                  n_smallest: int = 10, limit: int = 1_000_000) -> Anonymity:
    """k-anonymity, distinct and entropy l-diversity and prosecutor risk, engine-side.

    Equals :func:`audit.data_privacy.anonymity` on the same rows (tested), but for the order
    of equally small classes in ``smallest``.
    """
    qis = list(quasi_identifiers)
    frame = log.frame
    if sensitive is not None:
        count = nw.col(SIZE).cast(nw.Float64)
        pairs = (frame.group_by([*qis, sensitive]).agg(nw.len().alias(SIZE))
                 .with_columns((count * count.log()).alias(PLOGP)))
        classes = pairs.group_by(qis).agg(nw.col(SIZE).sum(), nw.len().alias(DISTINCT),
                                          nw.col(PLOGP).sum())
    else:
        classes = frame.group_by(qis).agg(nw.len().alias(SIZE))
    shape_keys = [SIZE] + ([DISTINCT] if sensitive is not None else [])
    aggs = [nw.len().alias(CLASSES)]
    if sensitive is not None:  # the smallest entropy l of each (size, l) cell, in the same pass
        size = nw.col(SIZE).cast(nw.Float64)
        classes = classes.with_columns((size.log() - nw.col(PLOGP) / size).alias(ENTROPY))
        aggs.append(nw.col(ENTROPY).min())
    shape = log.collect(classes.group_by(shape_keys).agg(*aggs),
                        name="class sizes", limit=limit, fix=_FIX)
    sizes = shape[SIZE].to_numpy().astype(np.int64)
    weight = shape[CLASSES].to_numpy().astype(np.int64)
    n = int((sizes * weight).sum())
    n_classes = int(weight.sum())
    l_distinct = l_entropy = None
    classes_below_l = rows_below_l = 0
    if sensitive is not None and n:
        distinct = shape[DISTINCT].to_numpy().astype(np.int64)
        l_distinct = int(distinct.min())
        low = distinct < l_target
        classes_below_l, rows_below_l = int(weight[low].sum()), int((sizes * weight)[low].sum())
        l_entropy = float(np.exp(shape[ENTROPY].min()))
    smallest_rows = log.collect(classes.sort([SIZE, *qis], nulls_last=True).head(n_smallest),
                                name="smallest classes", limit=max(n_smallest, 1), fix=_FIX)
    smallest = tuple(EquivalenceClass(
        values={q: str(row[q]) for q in qis}, size=int(row[SIZE]),
        sensitive_distinct=int(row[DISTINCT]) if sensitive is not None else 0)
        for _, row in smallest_rows.iterrows())
    below = sizes < k_target
    k = int(sizes.min()) if n else 0
    return Anonymity(
        quasi_identifiers=tuple(qis), n_rows=n, n_classes=n_classes, k=k, k_target=k_target,
        unique_rows=int(weight[sizes == 1].sum()),
        unique_share=float(weight[sizes == 1].sum() / n) if n else 0.0,
        rows_below_k_target=int((sizes * weight)[below].sum()),
        share_below_k_target=float((sizes * weight)[below].sum() / n) if n else 0.0,
        prosecutor_risk_max=1.0 / k if n else 0.0,
        prosecutor_risk_mean=n_classes / n if n else 0.0,
        size_histogram=weighted_size_histogram(sizes, weight), smallest=smallest, sensitive=sensitive,
        l_distinct=l_distinct, l_entropy=l_entropy, l_target=l_target,
        classes_below_l_target=classes_below_l, rows_below_l_target=rows_below_l)


def privacy_section(log: PredictionLog, anonymity: Anonymity, n_columns: int) -> DataPrivacySection:
    """The data-privacy section of a log scan (no discovery, generalisation or text scan)."""
    from audit.data_privacy import scan_notes

    notes = scan_notes(anonymity, None, ()) + (
        "Computed in the log's engine from group-bys over the quasi-identifiers; the column "
        "discovery and the generalisation search need the rows and are not run on a log "
        "(run `rai-audit scan` on an extract for them).",)
    return DataPrivacySection(source=log.source, n_rows=anonymity.n_rows, n_columns=n_columns,
                              anonymity=anonymity, notes=notes)
