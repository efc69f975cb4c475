"""RMIA (Zarifzadeh, Liu and Shokri, ICML 2024, "Low-cost high-power membership inference").

For a target model ``theta`` and an example ``x``, with ``Pr(x | theta)`` the probability the
model gives ``x``'s true label, RMIA compares ``x`` with population examples ``z`` through

    LR(x, z) = [Pr(x | theta) / Pr(x)] / [Pr(z | theta) / Pr(z)],
    score(x) = Pr_z[ LR(x, z) >= gamma ],

the fraction of population examples that ``x`` dominates by a factor ``gamma``. ``Pr(x)`` is
the probability averaged over reference models:

- *online*: the mean over all reference models (about half trained on ``x``, half not);
- *offline* (only models that did not train on ``x``): the paper's linear approximation
  ``Pr(x) ~ ((1 + a) / 2) * mean_out Pr(x | theta_out) + (1 - a) / 2``, which stands in for the
  missing IN models (``a`` is fitted by the paper on a held-out model; 0.3 is a typical value).

``Pr(z)`` is computed the same way for the population examples.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

__all__ = ["DEFAULT_GAMMA", "DEFAULT_OFFLINE_A", "rmia_marginal", "rmia_scores"]

#: The paper's default threshold on the pairwise likelihood ratio.
DEFAULT_GAMMA = 1.0
#: The offline approximation's ``a`` (the paper tunes it per dataset; 0.3 is its CIFAR value).
DEFAULT_OFFLINE_A = 0.3


def rmia_marginal(reference_p: np.ndarray, in_mask: np.ndarray, *,
                  variant: Literal["online", "offline"], a: float = DEFAULT_OFFLINE_A
                  ) -> np.ndarray:
    """``Pr(x)`` per example from the reference models' probabilities ``(K, n)``.

    Examples
    --------
    >>> p = np.array([[0.9, 0.2], [0.5, 0.6]])
    >>> mask = np.array([[True, False], [False, True]])
    >>> rmia_marginal(p, mask, variant="online").tolist()
    [0.7, 0.4]
    >>> rmia_marginal(p, mask, variant="offline", a=0.0).round(3).tolist()
    [0.75, 0.6]
    """
    reference_p = np.asarray(reference_p, dtype=np.float64)
    if variant == "online":
        return reference_p.mean(axis=0)
    out = ~np.asarray(in_mask, dtype=bool)
    n_out = out.sum(axis=0)
    mean_out = np.where(out, reference_p, 0.0).sum(axis=0) / np.maximum(n_out, 1)
    mean_out = np.where(n_out > 0, mean_out, np.nan)
    return (1 + a) / 2 * mean_out + (1 - a) / 2


def rmia_scores(target_p: np.ndarray, marginal_p: np.ndarray, population_target_p: np.ndarray,
                population_marginal_p: np.ndarray, *, gamma: float = DEFAULT_GAMMA
                ) -> np.ndarray:
    """RMIA's score: the fraction of population ``z`` with ``LR(x, z) >= gamma``.

    Parameters
    ----------
    target_p, marginal_p : array, shape (n,)
        ``Pr(x | theta)`` under the target and ``Pr(x)`` (:func:`rmia_marginal`).
    population_target_p, population_marginal_p : array, shape (m,)
        The same for the population examples ``z``.
    gamma : float

    Returns
    -------
    numpy.ndarray, shape (n,)
        In [0, 1]; higher means more likely a member.

    Examples
    --------
    >>> rmia_scores(np.array([0.9, 0.1]), np.array([0.5, 0.5]),
    ...             np.array([0.5, 0.3, 0.8]), np.array([0.5, 0.5, 0.5])).tolist()
    [1.0, 0.0]
    """
    ratio_x = np.asarray(target_p, np.float64) / np.asarray(marginal_p, np.float64)
    ratio_z = np.sort(np.asarray(population_target_p, np.float64)
                      / np.asarray(population_marginal_p, np.float64))
    # LR(x, z) >= gamma  <=>  ratio_z <= ratio_x / gamma
    return np.searchsorted(ratio_z, ratio_x / gamma, side="right") / len(ratio_z)
