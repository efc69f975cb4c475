"""The data privacy scan's implementation of the audit contract (:mod:`audit.core`)."""

from __future__ import annotations

import audit.data_privacy._policy_metrics  # noqa: F401  (registers the gate metrics)
from audit.core import Audit, AuditContext, register_audit
from audit.data_privacy._config import DataPrivacyAuditConfig
from audit.result import DataPrivacySection


class DataPrivacyAudit(Audit):
    """Re-identification risk of the raw table, before training."""

    slug = "data_privacy"
    title = "Data privacy"
    description = ("k-anonymity, l-diversity, unique records and a generalisation that reaches "
                   "the target k, on the raw table before training; personal data in text")
    config_type = DataPrivacyAuditConfig
    section_type = DataPrivacySection
    modalities = ("tabular", "text")
    phase = "data"
    cost = 5
    position = 10
    requires = frozenset()  # the data alone

    def run(self, ctx: AuditContext, config: DataPrivacyAuditConfig) -> DataPrivacySection:
        from audit.data_privacy._audit import (
            feature_quasi_identifiers,
            run_audit,
            scan_for_config,
            scan_with_config,
        )

        if ctx.modality == "text":
            from audit.data_privacy._text_run import scan_text_run

            return scan_text_run(ctx.dataset, config, ctx.config)
        features = list(ctx.dataset.train.raw.columns)  # the model's features, never the label
        raw = ctx.extras.get("raw_table")  # audit.audit_model: the frames as given
        if raw is not None:
            frame = raw
            target = ctx.dataset.target
            return scan_with_config(frame, config,
                                    quasi_identifiers=feature_quasi_identifiers(frame, features),
                                    sensitive=target if target in frame.columns else None,
                                    source=ctx.extras.get("raw_table_source", "table"))
        if ctx.config is not None:  # the table as read from disk, dropped columns included
            return scan_for_config(ctx.config, features)
        return run_audit(ctx.dataset, None, config, ctx.seed)

    def headline(self, section: DataPrivacySection) -> list[str]:
        a, g = section.anonymity, section.generalisation
        pii = [f"data privacy: {t.rows_with_pii:,} of {t.n_rows:,} rows of {t.column!r} hold personal data "
               f"({', '.join(f'{k} {v}' for k, v in t.counts.items() if v) or 'none found'})" for t in section.text]
        gone = sum(lv.level == lv.n_levels - 1 for lv in g.levels) if g is not None else 0
        return [f"data privacy: k = {a.k} on {len(a.quasi_identifiers)} quasi-identifiers, "
                f"{a.unique_share:.1%} of rows unique"
                + (f"; k = {g.k_target} {'reached' if g.reached else 'NOT reached'} within the "
                   f"{g.max_suppression:.0%} row-suppression cap ({g.suppressed_share:.2%} rows "
                   f"suppressed, {gone} of {len(g.levels)} quasi-identifiers removed entirely, "
                   f"information lost NCP {g.ncp:.3f})" if g is not None else "")] + pii


AUDIT = register_audit(DataPrivacyAudit())
