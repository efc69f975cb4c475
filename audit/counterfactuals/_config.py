"""Config of the counterfactual audit (the `audits.counterfactuals` block of audit.yaml).

Kept free of heavy imports: `audit.config` imports it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from audit.core import StrictConfig

#: Cost of a counterfactual (see :data:`audit.counterfactuals.COST_METRICS`).
CostMetric = Literal["mad_l1", "std_l1", "n_changed"]


class CounterfactualAuditConfig(StrictConfig):
    """Options of the counterfactual audit; ``enabled: false`` skips it.

    For each searched test row, up to ``n_per_row`` close inputs that flip the model's decision,
    changing only mutable features, keeping numeric features in their training range (integer
    columns integral) and categorical features one-hot. Recourse per sensitive group is measured
    on the rows with a negative decision.
    """

    enabled: bool = False
    immutable: tuple[str, ...] | None = Field(
        None, description="original features never changed (default: the dataset's sensitive "
                          "features that are model inputs, e.g. sex, race, age)")
    n_per_row: int = Field(5, gt=0, le=50, description="counterfactuals sought per row")
    n_rows: int | None = Field(
        None, gt=0, description="test rows searched, sampled with the seed (None: all)")
    rows: tuple[int, ...] = Field((), description="test-split rows always searched and shown")
    n_examples: int = Field(50, ge=0, description="rows whose counterfactuals are stored")
    cost: CostMetric = "mad_l1"
    steps: int = Field(50, gt=0, description="gradient steps at most")
    learning_rate: float = Field(0.2, gt=0.0)
    distance_weight: float = Field(0.05, ge=0.0, description="weight of the cost in the loss")
    bootstrap_replicates: int = Field(1000, gt=0)
    min_group_size: int = Field(30, gt=0, description="groups smaller than this are flagged")
    cpu_threads: int | None = Field(1, gt=0, description="torch intra-op threads during search")
    dice_rows: int = Field(0, ge=0, description="first searched rows also searched with dice-ml "
                                                "for comparison (0: none; needs dice-ml)")
