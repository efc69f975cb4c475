"""Counterfactual explanations and recourse fairness for torch models on tabular data.

:func:`find_counterfactuals` searches, for chosen rows (or a whole split, batched), close inputs
that flip the model's decision: immutable features fixed, numeric values in their training range
(integral where the data is), categorical features one-hot, few features changed, several
diverse counterfactuals per row, each verified. :func:`recourse_by_group` asks whether recourse
is harder for one sensitive group than another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit._lazy import lazy_names
from audit.counterfactuals._config import CounterfactualAuditConfig
from audit.counterfactuals._plugin import CounterfactualAudit

#: Public name -> private module, loaded on first use so that ``audit.config`` (which reads
#: ``CounterfactualAuditConfig``) does not import torch.
_LAZY = {
    "run_audit": "_audit", "section_from": "_audit", "training_callbacks": "_audit",
    "verify": "_audit",
    "compare_with_dice": "_dice",
    "CounterfactualError": "_errors", "NothingMutableError": "_errors",
    "RowsOutOfRangeError": "_errors", "UnknownCostMetricError": "_errors",
    "UnknownFeatureError": "_errors",
    "CounterfactualSet": "_find", "find_counterfactuals": "_find",
    "recourse_by_group": "_recourse",
    "Candidates": "_search", "SearchSettings": "_search", "search": "_search",
    "COST_METRICS": "_space", "FeatureSpace": "_space", "check_cost_metric": "_space",
    "feature_space": "_space",
}

if TYPE_CHECKING:  # pragma: no cover
    from audit.counterfactuals._audit import run_audit, section_from, training_callbacks, verify
    from audit.counterfactuals._dice import compare_with_dice
    from audit.counterfactuals._errors import (
        CounterfactualError,
        NothingMutableError,
        RowsOutOfRangeError,
        UnknownCostMetricError,
        UnknownFeatureError,
    )
    from audit.counterfactuals._find import CounterfactualSet, find_counterfactuals
    from audit.counterfactuals._recourse import recourse_by_group
    from audit.counterfactuals._search import Candidates, SearchSettings, search
    from audit.counterfactuals._space import COST_METRICS, FeatureSpace, check_cost_metric, feature_space


__all__ = [
    "CounterfactualAudit",
    "COST_METRICS",
    "Candidates",
    "CounterfactualAuditConfig",
    "CounterfactualError",
    "CounterfactualSet",
    "FeatureSpace",
    "NothingMutableError",
    "RowsOutOfRangeError",
    "SearchSettings",
    "UnknownCostMetricError",
    "UnknownFeatureError",
    "check_cost_metric",
    "compare_with_dice",
    "feature_space",
    "find_counterfactuals",
    "recourse_by_group",
    "run_audit",
    "search",
    "section_from",
    "training_callbacks",
    "verify",
]

__getattr__, __dir__ = lazy_names(__name__, _LAZY, __all__)
