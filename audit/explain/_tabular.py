"""Tabular meaning: encoded columns back to the original features they came from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch

from audit.explain._errors import FeatureGroupsError


def validate_groups(feature_groups: Mapping[str, Sequence[int]], n_features: int) -> None:
    """Raise :class:`FeatureGroupsError` unless the groups partition ``range(n_features)``."""
    seen: dict[int, str] = {}
    problems = []
    for name, columns in feature_groups.items():
        for column in columns:
            if not 0 <= int(column) < n_features:
                problems.append(f"{name!r} names column {column}, outside [0, {n_features - 1}]")
            elif int(column) in seen:
                problems.append(f"column {column} is in both {seen[int(column)]!r} and {name!r}")
            else:
                seen[int(column)] = name
    missing = sorted(set(range(n_features)) - set(seen))
    if missing:
        problems.append(f"columns {missing[:10]} belong to no feature")
    if problems:
        raise FeatureGroupsError(
            "feature_groups", f"each of the {n_features} encoded columns in exactly one feature",
            "; ".join(problems[:5]), "pass dataset.feature_groups from the same preprocessing")


def feature_mask(feature_groups: Mapping[str, Sequence[int]], n_features: int) -> torch.Tensor:
    """Captum ``feature_mask`` of shape ``(1, n_features)``: column -> index of its feature.

    Examples
    --------
    >>> feature_mask({"age": (0,), "sex": (1, 2)}, 3)
    tensor([[0, 1, 1]])
    """
    validate_groups(feature_groups, n_features)
    mask = torch.zeros(1, n_features, dtype=torch.long)
    for index, columns in enumerate(feature_groups.values()):
        mask[0, list(columns)] = index
    return mask


def aggregate(attributions: torch.Tensor | np.ndarray,
              feature_groups: Mapping[str, Sequence[int]]) -> np.ndarray:
    """Sum attributions over the encoded columns of each original feature.

    Returns an ``(n_rows, n_features_original)`` float64 array, columns in the order of
    ``feature_groups``.

    Examples
    --------
    >>> aggregate(np.array([[1.0, 2.0, 3.0]]), {"age": (0,), "sex": (1, 2)})
    array([[1., 5.]])
    """
    values = np.asarray(attributions.detach().cpu() if isinstance(attributions, torch.Tensor)
                        else attributions, dtype=np.float64)
    validate_groups(feature_groups, values.shape[1])
    matrix = np.zeros((values.shape[1], len(feature_groups)))
    for index, columns in enumerate(feature_groups.values()):
        matrix[list(columns), index] = 1.0
    return values @ matrix
