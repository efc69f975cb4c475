"""Multiple-testing correction: Benjamini-Hochberg adjusted p-values (scipy's)."""

from __future__ import annotations

import numpy as np
from scipy.stats import false_discovery_control


def bh_qvalues(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values over the defined entries (NaN stays NaN)."""
    p = np.asarray(p, dtype=np.float64)
    q = np.full(p.shape, np.nan)
    defined = ~np.isnan(p)
    if defined.any():
        q[defined] = false_discovery_control(p[defined], method="bh")
    return q
