"""The ground floor: one Wilson interval for every audit, and the strict config base."""

import numpy as np
import pydantic
import pytest
from scipy.stats import binomtest

from audit.core import StrictConfig, clopper_pearson, config_problems, wilson_bounds
from audit.errors import ConfigError
from audit.quality import wilson_interval


@pytest.mark.parametrize("n", [1, 2, 7, 30, 101, 16281])
def test_wilson_equals_scipy_to_rounding(n):
    k = np.unique(np.linspace(0, n, min(n + 1, 60)).astype(int))
    low, high = wilson_bounds(k, np.full(len(k), n))
    for i, ki in enumerate(k):
        ci = binomtest(int(ki), n).proportion_ci(confidence_level=0.95, method="wilson")
        assert low[i] == pytest.approx(ci.low, abs=2e-16)
        assert high[i] == pytest.approx(ci.high, abs=2e-16)


def test_scalar_wilson_interval_is_the_vectorised_one():
    low, high = wilson_bounds(np.array([13920]), np.array([16281]))
    interval = wilson_interval(13920, 16281)
    assert (interval.low, interval.high, interval.method) == (low[0], high[0], "wilson")
    # pinned: the census test accuracy interval stored in tests/fixtures (schema 1.0)
    assert (interval.low, interval.high) == (0.8494918745609233, 0.8603093248691799)
    assert np.isnan(wilson_interval(0, 0).low)


def test_clopper_pearson_edges():
    low, high = clopper_pearson(np.array([0, 10, 0]), np.array([10, 10, 0]))
    assert low[0] == 0.0 and high[1] == 1.0 and (low[2], high[2]) == (0.0, 1.0)


class _Block(StrictConfig):
    epochs: int = 10
    nested: dict[str, int] = {}


def test_strict_config_refuses_unknown_keys_and_is_frozen():
    with pytest.raises(pydantic.ValidationError, match="Extra inputs are not permitted"):
        _Block(epocs=3)
    block = _Block(epochs=3)
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        block.epochs = 4


def test_config_problems_name_the_key_and_suggest_a_fix():
    with pytest.raises(pydantic.ValidationError) as info:
        _Block.model_validate({"epocs": 3, "epochs": "many"})
    problems = config_problems(info.value, "audit.yaml", _Block)
    assert [p.error for p in problems] == [ConfigError, ConfigError]
    by_key = {p.where: p for p in problems}
    assert "Did you mean 'epochs'?" in by_key["audit.yaml: key 'epocs'"].fix
    assert by_key["audit.yaml: key 'epochs'"].got == "'many'"
