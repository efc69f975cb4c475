"""The pin's fallback on another float platform: headline numbers within rounding tolerances."""

from __future__ import annotations

import copy
import gzip
import json
import re

from audit.result import result_from_json, result_to_json
from tests._compare import float_platform, headline_differences
from tests.regression.test_contract_census_identical import PINNED


def _pinned() -> dict:
    return json.loads(result_to_json(result_from_json(gzip.open(PINNED).read())))


def test_a_result_equals_itself_and_rounding_drift_passes():
    before = _pinned()
    after = copy.deepcopy(before)
    assert headline_differences(before, after) == []
    after["quality"]["accuracy"] += 2e-4  # the Intel vs AMD drift measured on the census demo
    after["sections"]["privacy"]["section"]["membership"]["attacks"]["loss"]["auc"] += 1e-3
    assert headline_differences(before, after) == []


def test_a_moved_headline_or_status_is_reported():
    before = _pinned()
    after = copy.deepcopy(before)
    after["quality"]["accuracy"] -= 0.01
    after["sections"]["robustness"]["status"] = "failed"
    sex = next(p for p in after["sections"]["fairness"]["section"]["partitions"]
               if p["name"] == "sex")
    sex["disparities"][0]["value"] += 0.05
    found = headline_differences(before, after)
    assert len(found) == 3
    assert found[0].startswith("quality.accuracy")
    assert any("robustness.status" in f for f in found)
    assert any(f.startswith("fairness sex demographic_parity_difference") for f in found)


def test_the_platform_names_vendor_and_instruction_set():
    assert re.fullmatch(r"[A-Za-z0-9_.]+-[A-Z0-9_]+", float_platform())
