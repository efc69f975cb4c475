"""Shared fixtures: every test is seeded; the Adult data and a trained census run are shared."""

from __future__ import annotations

import pytest
import torch

from audit.training import seed_everything

# One intra-op thread: the models under test are small, so more threads only add contention
# (measured about 12x slower with two threads on a busy 2-core machine), and one thread keeps
# floating-point reductions in the same order everywhere.
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _seeded():
    seed_everything(0)


@pytest.fixture(scope="session")
def adult():
    """UCI Adult, loaded once per test session."""
    from audit.data import load_adult

    return load_adult()


@pytest.fixture(scope="session")
def census_run(tmp_path_factory):
    """The census sample trained once per session with its shipped config (about 10 s)."""
    from sample_models import census_income

    return census_income.train(tmp_path_factory.mktemp("census"), seed=0)
