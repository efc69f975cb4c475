"""``rai-audit audit-predictions CONFIG``: read the configured log, audit it, write the files."""

from __future__ import annotations

import math
from pathlib import Path

from audit.predictions._config import load_prediction_config
from audit.result import AuditResult


def headline(result: AuditResult) -> list[str]:
    """Short lines with the numbers a person wants first."""
    log = result.metadata.log
    lines = [f"run {result.metadata.run_name!r}: {log.n_rows:,} logged predictions read by "
             f"{log.engine}; {log.rows_collected:,} counts rows reached the driver in "
             f"{len(log.queries)} aggregates"]
    q = result.quality
    if q is not None:
        auc = "" if math.isnan(q.roc_auc) else f", ROC AUC {q.roc_auc:.4f} (binned)"
        lines.append(f"accuracy {q.accuracy:.4f} (95% CI {q.accuracy_interval.low:.4f}-"
                     f"{q.accuracy_interval.high:.4f}){auc}")
    if result.fairness is not None:
        lines.extend(f"fairness: {line}" for line in result.fairness.reading)
    if result.error_analysis is not None and result.error_analysis.reading:
        lines.append(f"error analysis: {result.error_analysis.reading[0]}")
    dp = result.data_privacy
    if dp is not None:
        a = dp.anonymity
        lines.append(f"data privacy: k = {a.k} on {len(a.quasi_identifiers)} quasi-identifiers, "
                     f"{a.unique_share:.1%} of rows unique")
    return lines


def run_from_config(config_path: Path, *, out: Path | None = None, seed: int | None = None,
                    extra_policy: Path | None = None) -> tuple[AuditResult, Path, Path]:
    """Audit the log a config names; write ``result.json`` and ``report.html`` atomically.

    Returns the result and the two paths.
    """
    from audit._io import ensure_writable_dir
    from audit.predictions._audit import run_prediction_audit
    from audit.predictions._engines import quiet
    from audit.result import save_result
    from reports import write_report

    config = load_prediction_config(config_path)
    if seed is not None:
        config = config.model_copy(update={"seed": seed})
    if extra_policy is not None:
        from audit.policy import load_policy

        extra = load_policy(extra_policy)
        config = config.model_copy(update={"policy": config.policy.model_copy(
            update={"gates": [*config.policy.gates, *extra.gates]})})
    out_dir = ensure_writable_dir(out if out is not None else config.output_dir)
    with quiet():
        result = run_prediction_audit(None, config)
    report = write_report(result, out_dir / "report.html")
    saved = save_result(result, out_dir / "result.json")
    return result, saved, report
