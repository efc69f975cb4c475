"""Predictive quality of a binary classifier, with intervals where they are cheap and exact."""

from __future__ import annotations

import numpy as np
from sklearn import metrics as skm

from audit.core import wilson_bounds
from audit.errors import RaiAuditError
from audit.result import ConfusionCounts, Interval, ModelQuality


def wilson_interval(successes: int, n: int, level: float = 0.95) -> Interval:
    """Wilson score interval of a proportion (NaN bounds when ``n == 0``), as an
    :class:`~audit.result.Interval` (see :func:`audit.core.wilson_bounds`)."""
    low, high = wilson_bounds(np.asarray(successes), np.asarray(n), level)
    return Interval(float(low), float(high), level, "wilson")


#: Scores whose range over a split is below this are near-constant (a model whose output
#: barely moves, such as a normalisation layer that left only its bias).
NEAR_CONSTANT_RANGE = 1e-3


def degenerate_reason(scores: np.ndarray, y_pred: np.ndarray) -> str:
    """Why a model is a constant or near-constant predictor on these rows ("" if it is not).

    Examples
    --------
    >>> degenerate_reason(np.array([0.7, 0.7, 0.7]), np.array([1, 1, 1]))
    'constant predictor: the same decision (1) for all 3 rows, scores in [0.7, 0.7]'
    >>> degenerate_reason(np.array([0.2, 0.9]), np.array([0, 1]))
    ''
    """
    if len(scores) == 0:
        return ""
    low, high = float(scores.min()), float(scores.max())
    spread = f"scores in [{low:.4g}, {high:.4g}]"
    if y_pred.min() == y_pred.max():
        return (f"constant predictor: the same decision ({int(y_pred[0])}) for all "
                f"{len(y_pred):,} rows, {spread}")
    if high - low < NEAR_CONSTANT_RANGE:
        return (f"near-constant predictor: {spread} (range {high - low:.2g}, below "
                f"{NEAR_CONSTANT_RANGE:g}) over {len(scores):,} rows")
    return ""


def model_quality(y_true: np.ndarray, scores: np.ndarray, *, split: str = "test",
                  threshold: float = 0.5) -> ModelQuality:
    """Accuracy (with a Wilson interval), balanced accuracy, precision, recall, F1, ROC AUC,
    log loss and the confusion counts at ``threshold``, all from scikit-learn; a constant or
    near-constant predictor is flagged (:func:`degenerate_reason`).

    Examples
    --------
    >>> q = model_quality(np.array([0, 1, 1, 0]), np.array([0.2, 0.9, 0.4, 0.1]))
    >>> q.accuracy, q.confusion.fn
    (0.75, 1)
    """
    y_true = np.asarray(y_true)
    scores = np.asarray(scores, dtype=float)
    if y_true.shape != scores.shape:
        raise RaiAuditError("scores", f"one score per label ({y_true.shape[0]})",
                            f"{scores.shape[0]} scores", "pass scores for the same rows as y_true")
    y_pred = (scores >= threshold).astype(int)
    tn, fp, fn, tp = skm.confusion_matrix(y_true, y_pred, labels=[0, 1]).ravel()
    correct = int(tn + tp)
    both = len(np.unique(y_true)) == 2
    return ModelQuality(
        split=split, n=len(y_true), threshold=threshold,
        accuracy=correct / len(y_true),
        accuracy_interval=wilson_interval(correct, len(y_true)),
        balanced_accuracy=float(skm.balanced_accuracy_score(y_true, y_pred)),
        precision=float(skm.precision_score(y_true, y_pred, zero_division=np.nan)),
        recall=float(skm.recall_score(y_true, y_pred, zero_division=np.nan)),
        f1=float(skm.f1_score(y_true, y_pred, zero_division=np.nan)),
        roc_auc=float(skm.roc_auc_score(y_true, scores)) if both else float("nan"),
        log_loss=float(skm.log_loss(y_true, np.clip(scores, 1e-12, 1 - 1e-12), labels=[0, 1])),
        positive_rate=float(y_pred.mean()),
        base_rate=float(y_true.mean()),
        confusion=ConfusionCounts(tn=int(tn), fp=int(fp), fn=int(fn), tp=int(tp)),
        degenerate=degenerate_reason(scores, y_pred),
    )
