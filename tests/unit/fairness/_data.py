"""Synthetic inputs shared by the fairness tests."""

import numpy as np
import pandas as pd


def synthetic(n=3000, seed=0, *, empty_positive_group=False):
    """Labels, scores, predictions and two string sensitive features with unequal groups."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["Female", "Male"], n, p=[0.35, 0.65])
    race = rng.choice(["White", "Black", "Asian", "Other"], n, p=[0.7, 0.15, 0.1, 0.05])
    logit = rng.normal(size=n) + (sex == "Male") * 0.8 - (race == "Black") * 0.5
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    score = np.clip(1 / (1 + np.exp(-(logit + rng.normal(scale=0.8, size=n)))), 0, 1)
    score = np.round(score, 3)  # ties, as real scores have
    if empty_positive_group:
        y[race == "Other"] = 0
    pred = (score >= 0.5).astype(int)
    return y, pred, score, pd.DataFrame({"sex": sex, "race": race})
