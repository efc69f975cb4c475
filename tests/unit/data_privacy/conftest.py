"""Fixtures of the data privacy tests: the raw census table, read once."""

from __future__ import annotations

import pytest

QIS = ["age", "sex", "race", "native-country", "marital-status", "education", "occupation", "workclass"]


@pytest.fixture(scope="session")
def census():
    """UCI Adult as read from the shipped files: train + test rows, every original column."""
    from audit.data_privacy import census_table

    return census_table()
