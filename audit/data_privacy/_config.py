"""Config of the data privacy scan (the `audits.data_privacy` block of audit.yaml).

Kept free of heavy imports: `audit.config` imports it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from audit.core import StrictConfig

#: The census (UCI Adult) quasi-identifiers scanned by default: attributes an outsider can
#: know or look up about a person (demographics, schooling, job, birth country). Capital gains,
#: hours and the sampling weight are not in public records and are left out.
ADULT_QUASI_IDENTIFIERS = ("age", "sex", "race", "native-country", "marital-status", "education",
                           "occupation", "workclass")


class DataPrivacyAuditConfig(StrictConfig):
    """Re-identification risk of the training table and personal data in its text columns.

    Runs on the data alone, before training; it needs no model.
    """

    enabled: bool = False
    path: Path | None = Field(
        None, description="CSV/JSONL to scan instead of the audit's own table (train + test "
                          "rows); relative to the working folder")
    quasi_identifiers: list[str] | None = Field(
        None, description="default: the 8 census quasi-identifiers for the adult loader, "
                          "else the model's features (never the label or dropped columns) "
                          "with 2 to 100 distinct values")
    sensitive: str | None = Field(None, description="column for l-diversity (default: the target)")
    k_target: int = Field(5, ge=1)
    l_target: int = Field(2, ge=1)
    max_suppression: float = Field(0.01, ge=0.0, le=1.0,
                                   description="share of rows the generalisation may suppress")
    n_smallest: int = Field(10, ge=0, le=1000, description="smallest classes listed in the result")
    generalise: bool = True
    numeric_bin_widths: dict[str, list[float]] = Field(
        default_factory=dict, description="per numeric column: bin widths, finest first "
                                          "(default for age: 5, 10, 20)")
    rare_thresholds: list[float] = Field(
        default_factory=lambda: [0.01, 0.05, 0.1, 0.2],
        description="categorical coarsening: categories rarer than each share become 'Other'")
    beam_width: int = Field(4, ge=1, le=64, description="nodes kept per round of the search")
    text_columns: list[str] = Field(default_factory=list)
    phone_region: str = Field("US", description="region for phone numbers written without +country")
