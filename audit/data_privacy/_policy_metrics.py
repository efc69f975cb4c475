"""Gate metrics of the data privacy scan (registered when policies load their metrics)."""

from __future__ import annotations

from audit.policy import MetricValue, register_metric
from audit.result import AuditResult


def _anonymity(result: AuditResult):
    section = result.data_privacy
    return None if section is None else section.anonymity


@register_metric("data_privacy.k_anonymity", "smallest equivalence class on the quasi-identifiers (k)")
def _k(result: AuditResult, arg: str | None) -> MetricValue | None:
    a = _anonymity(result)
    return None if a is None else MetricValue(
        float(a.k), None, f"k-anonymity of {a.n_rows:,} rows on {len(a.quasi_identifiers)} quasi-identifiers")


@register_metric("data_privacy.unique_share", "share of rows unique on the quasi-identifiers")
def _unique(result: AuditResult, arg: str | None) -> MetricValue | None:
    a = _anonymity(result)
    return None if a is None else MetricValue(
        a.unique_share, None, f"{a.unique_rows:,} unique rows of {a.n_rows:,}")


@register_metric("data_privacy.share_below_k", "share of rows in classes smaller than the target k")
def _below(result: AuditResult, arg: str | None) -> MetricValue | None:
    a = _anonymity(result)
    return None if a is None else MetricValue(
        a.share_below_k_target, None, f"rows in classes smaller than k = {a.k_target}")


@register_metric("data_privacy.l_diversity", "distinct l-diversity of the sensitive column")
def _l(result: AuditResult, arg: str | None) -> MetricValue | None:
    a = _anonymity(result)
    if a is None or a.l_distinct is None:
        return None
    return MetricValue(float(a.l_distinct), None, f"distinct values of {a.sensitive!r} in the least diverse class")


@register_metric("data_privacy.generalisation_ncp",
                 "information lost (NCP, 0-1) by the generalisation that reaches the target k")
def _ncp(result: AuditResult, arg: str | None) -> MetricValue | None:
    section = result.data_privacy
    g = section.generalisation if section is not None else None
    if g is None:
        return None
    return MetricValue(g.ncp, None, f"{g.strategy} generalisation to k = {g.k_target}, "
                                    f"{g.suppressed_share:.2%} rows suppressed")


@register_metric("data_privacy.text_pii_rows", "rows with personal data in text columns; [column] or all")
def _pii(result: AuditResult, arg: str | None) -> MetricValue | None:
    section = result.data_privacy
    found = [t for t in (section.text if section is not None else ()) if arg is None or t.column == arg]
    if not found:
        return None
    return MetricValue(float(sum(t.rows_with_pii for t in found)), None,
                       "rows with personal data in " + ", ".join(t.column for t in found))
