"""Possible proxies of each sensitive feature: association over every feature.

A feature is a possible proxy of a sensitive feature when it is associated with it (Cramér's
V for a categorical feature, the correlation ratio eta for a numeric one, both in [0, 1]) at
or above the threshold, whatever its attribution rank: a model can lean on a proxy through
interactions that a global ranking hides, and a proxy left in the table is a finding by
itself. Each association is shown beside the feature's importance and rank so the reader can
tell a proxy the model uses from one it does not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from audit.explain._summary import association
from audit.result import ProxyAssociation


def proxy_associations(raw: pd.DataFrame, sensitive: pd.DataFrame, features: Sequence[str],
                       importance: Mapping[str, float], *,
                       threshold: float) -> tuple[ProxyAssociation, ...]:
    """Association of every feature with every sensitive feature, flagged at ``threshold``.

    Parameters
    ----------
    raw : pandas.DataFrame
        The raw feature columns of the rows measured (every test row).
    sensitive : pandas.DataFrame
        The group label of each row for each sensitive feature.
    features : sequence of str
        The features to measure (all of the model's features).
    importance : mapping
        Global importance of each feature (mean absolute attribution); ranks follow it.
    threshold : float
        An association at or above it is flagged (the sensitive column itself never is).

    Examples
    --------
    >>> raw = pd.DataFrame({"zone": list("eeww"), "x": [1.0, 2.0, 1.0, 2.0]})
    >>> out = proxy_associations(raw, pd.DataFrame({"sex": list("AABB")}), ["zone", "x"],
    ...                          {"zone": 0.0, "x": 1.0}, threshold=0.3)
    >>> [(p.feature, p.flagged, p.importance_rank) for p in out]
    [('zone', True, 2), ('x', False, 1)]
    """
    order = sorted(features, key=lambda f: -float(importance[f]))
    rank = {f: i + 1 for i, f in enumerate(order)}
    out = []
    for name in sensitive.columns:
        labels = sensitive[name].astype(str).to_numpy()
        for feature in features:
            measure, value = association(raw[feature], labels)
            same = feature == name
            out.append(ProxyAssociation(
                feature=feature, sensitive_feature=name, measure=measure, association=value,
                importance=float(importance[feature]), importance_rank=rank[feature],
                is_same_column=same, flagged=not same and value >= threshold))
    return tuple(out)


__all__ = ["proxy_associations"]
