"""A small seeded table of people for docstring examples and quick trials."""

from __future__ import annotations

import numpy as np
import pandas as pd


def example_people(n: int = 600, seed: int = 0) -> pd.DataFrame:
    """``n`` synthetic people with a planted effect: men earn ``>50K`` more often.

    Income is ``>50K`` when hours worked, plus 12 for managers, plus 6 for men, plus Gaussian
    noise (sd 8) exceed 50, so a model trained on the table learns a gap between the sexes.

    Parameters
    ----------
    n : int
        Rows.
    seed : int
        Seed of the generator (the same seed gives the same table).

    Returns
    -------
    pandas.DataFrame
        Columns ``hours`` (float), ``job`` (clerk, manager, sales), ``sex`` (Female, Male) and
        ``income`` (``<=50K`` or ``>50K``).

    Examples
    --------
    >>> people = example_people()
    >>> people.shape, list(people.columns)
    ((600, 4), ['hours', 'job', 'sex', 'income'])
    >>> rates = (people["income"] == ">50K").groupby(people["sex"]).mean()
    >>> bool(rates["Male"] > rates["Female"])
    True
    """
    rng = np.random.default_rng(seed)
    people = pd.DataFrame({"hours": rng.normal(40, 10, n).round(),
                           "job": rng.choice(["clerk", "manager", "sales"], n),
                           "sex": rng.choice(["Female", "Male"], n)})
    people["income"] = np.where(people["hours"] + 12 * (people["job"] == "manager")
                                + 6 * (people["sex"] == "Male") + rng.normal(0, 8, n) > 50,
                                ">50K", "<=50K")
    return people
