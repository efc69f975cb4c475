"""A seeded synthetic prediction log with planted problems the audit must find.

* sex: women get lower scores (demographic parity difference about 0.17 overall);
* time: from week 7 on the gap doubles (the latest weeks fail a gate the first weeks pass);
* slice: decisions for region 'east' on channel 'web' are wrong far more often;
* privacy: a handful of people are alone in their (age, sex, region) class.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pandas as pd

START = pd.Timestamp("2024-01-01")  # a Monday
WEEKS = 10


def make_log(n: int = 30_000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sex = rng.choice(np.array(["F", "M"]), n)
    race = rng.choice(np.array(["a", "b", "c"]), n, p=[0.6, 0.3, 0.1])
    region = rng.choice(np.array(["north", "south", "east"]), n)
    channel = rng.choice(np.array(["web", "branch"]), n, p=[0.7, 0.3])
    age = rng.integers(18, 80, n).astype(np.float64)
    age[rng.random(n) < 0.01] = np.nan  # missing ages are a level of their own
    seconds = rng.integers(0, WEEKS * 7 * 86400, n)
    ts = START + pd.to_timedelta(seconds, unit="s")
    late = seconds >= 6 * 7 * 86400
    shift = np.where(sex == "F", np.where(late, -0.2, -0.08), 0.0)
    score = np.clip(rng.normal(0.5 + shift, 0.18), 0.0, 1.0)
    y = (rng.random(n) < np.clip(0.5 + 0.8 * (score - 0.5), 0, 1)).astype(np.int64)
    noisy = (region == "east") & (channel == "web") & (rng.random(n) < 0.35)
    y[noisy] = 1 - y[noisy]
    return pd.DataFrame({"label": y, "score": score, "sex": sex, "race": race,
                         "region": region, "channel": channel, "age": age, "ts": ts})


KW = dict(label="label", score="score", sensitive_features=["sex", "race"],
          features=["age", "region", "channel"], timestamp="ts", window="week",
          quasi_identifiers=["age", "sex", "region"])
#: Smaller bootstraps keep the Spark and Dask runs quick; the numbers stay seeded.
CONFIG = {"fairness": {"bootstrap_replicates": 300, "score_bootstrap_replicates": 50},
          "error_analysis": {"bootstrap_replicates": 200}, "score_bins": 500}


def same(a, b, path: str = "", rel: float = 1e-12) -> None:
    """Recursive equality of result objects; floats equal to ``rel`` (NaN equals NaN)."""
    if hasattr(a, "__dataclass_fields__"):
        a, b = asdict(a), asdict(b)
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            same(a[k], b[k], f"{path}.{k}", rel)
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]", rel)
    elif isinstance(a, float) and isinstance(b, float):
        assert (a != a and b != b) or abs(a - b) <= rel * max(1.0, abs(b)), (path, a, b)
    else:
        assert a == b, (path, a, b)
