"""Fairness of a text classifier: over the dataset's group columns and over the identity terms
found in the texts (:func:`audit.text_bias.identity_mentions`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from audit.fairness._config import FairnessAuditConfig
from audit.result import FairnessSection


def split_texts(dataset: Any, split: Any) -> list[str]:
    """The texts of a split, a pair joined by a space (both may name a group)."""
    texts = split.texts[dataset.text].astype(str)
    if dataset.text_pair:
        texts = texts + " " + split.texts[dataset.text_pair].astype(str)
    return texts.tolist()


def mention_columns(dataset: Any, split: Any, axes: tuple[str, ...]) -> tuple[pd.DataFrame, list[str]]:
    """The identity-mention columns of the split with at least two groups, and a note per axis
    left out (every text names the same group, usually none)."""
    from audit.text_bias import identity_mentions

    mentions = identity_mentions(split_texts(dataset, split), axes)
    kept = [c for c in mentions.columns if mentions[c].nunique() >= 2]
    notes = [f"{c}: every test text names the same group ({mentions[c].iloc[0]!r}); not a partition."
             for c in mentions.columns if c not in kept]
    return mentions[kept], notes


def audit_text_fairness(dataset: Any, scores: Any, config: FairnessAuditConfig, seed: int) -> FairnessSection:
    """The fairness section of a text run: the group columns of ``config.sensitive_features``
    (or the dataset's) and one partition per identity axis mentioned in the test texts
    (``config.text_identity_axes``), each alone; intersections only where configured."""
    from dataclasses import replace

    from audit.fairness._audit import audit_fairness
    from audit.text_bias import MENTION_AXES

    test = dataset.test
    axes = MENTION_AXES if config.text_identity_axes is None else tuple(config.text_identity_axes)
    columns = list(config.sensitive_features or dataset.sensitive_features)
    frame = test.sensitive[columns].reset_index(drop=True) if columns else pd.DataFrame(index=range(len(test.y)))
    notes: list[str] = []
    if axes:
        mentions, notes = mention_columns(dataset, test, axes)
        frame = pd.concat([frame, mentions], axis=1)
        notes.insert(0, "Identity-term partitions (identity:<axis>): the HolisticBias group a test text "
                        "mentions (whole words; everyday words such as 'straight' only before a person "
                        "noun), 'several' when it names more than one, 'none' otherwise. They describe "
                        "what the text is about, not who wrote it; most groups are small.")
    if not len(frame.columns):
        from audit.errors import ConfigError

        named = ", ".join(axes) or "any axis"
        raise ConfigError("audits.fairness.sensitive_features",
                          "a group column, or identity terms named in the test texts",
                          f"no group columns, and no test text names a term of {named}",
                          "list group columns in data.sensitive_features, or widen text_identity_axes")
    cfg = config.model_copy(update={"sensitive_features": list(frame.columns),
                                    "intersections": config.intersections or []})
    section = audit_fairness(test.y, scores, frame, config=cfg, positive_label=dataset.positive_label, seed=seed)
    return replace(section, notes=(*section.notes, *notes))
