"""Error analysis of a text classifier over slices of its test texts: length in words,
negation present, identity terms named (by axis), plus the dataset's group columns."""

from __future__ import annotations

from typing import Any

import numpy as np

from audit.error_analysis._audit import audit_errors
from audit.error_analysis._config import ErrorAnalysisConfig
from audit.result import ErrorAnalysisSection


def text_cohort_frame(dataset: Any, axes: tuple[str, ...] | None = None,
                      include_sensitive: bool = True):
    """The slice columns of the test texts (:func:`audit.text_bias.text_slices`, a pair's two
    texts read together) and the group columns."""
    from audit.text_bias import MENTION_AXES, text_slices

    test = dataset.test
    texts = test.texts[dataset.text].astype(str)
    if dataset.text_pair:
        texts = texts + " " + test.texts[dataset.text_pair].astype(str)
    frame = text_slices(texts.tolist(), MENTION_AXES if axes is None else axes)
    frame = frame[[c for c in frame.columns if frame[c].nunique() >= 2]]
    if include_sensitive:
        for name in dataset.sensitive_features:
            frame[name] = test.sensitive[name].to_numpy()
    return frame


def run_text_audit(dataset: Any, scores: np.ndarray, config: ErrorAnalysisConfig, seed: int) -> ErrorAnalysisSection:
    """Cohorts of test texts where the model errs most (slice search and error tree)."""
    from dataclasses import replace

    frame = text_cohort_frame(dataset, include_sensitive=config.include_sensitive)
    y_pred = (np.asarray(scores) >= config.threshold).astype(np.int64)
    sensitive = [*dataset.sensitive_features, *(c for c in frame.columns if c.startswith("identity"))]
    section = audit_errors(dataset.test.y, y_pred, frame, config=config, sensitive_features=sensitive,
                           split="test", seed=seed)
    note = ("Text slices: words (length in words, cut into quantile bins), negation (a cue such as not, "
            "never, n't), identity term (any HolisticBias term of the axes looked for) and identity:<axis> "
            "(the group named; 'several', 'none'); axes no test text names are left out.")
    return replace(section, notes=(*section.notes, note))
