"""The fairness section's view model: charts for the report and tables (:class:`Table`) read
by the report's template and the dashboard page alike (no HTML here).

Every chart is a Vega-Lite block made by :mod:`reports._charts` (group names travel as escaped
JSON data and are drawn as SVG text); it is the only markup marked safe. Everything else reaches
the template as plain values and is autoescaped there.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from markupsafe import Markup

from audit.result import AuditResult
from reports import _charts
from reports.table import Table

METRIC_LABELS = {
    "selection_rate": "Selection rate",
    "true_positive_rate": "TPR",
    "false_positive_rate": "FPR",
    "false_negative_rate": "FNR",
    "precision": "Precision",
    "accuracy": "Accuracy",
    "balanced_accuracy": "Balanced acc.",
    "base_rate": "Base rate",
    "roc_auc": "ROC AUC",
    "expected_calibration_error": "ECE",
}
DISPARITY_LABELS = {
    "demographic_parity_difference": "Demographic parity difference",
    "demographic_parity_ratio": "Demographic parity ratio",
    "equalized_odds_difference": "Equalized odds difference",
    "equalized_odds_ratio": "Equalized odds ratio",
    "equal_opportunity_difference": "Equal opportunity difference",
    "four_fifths_rule": "Four-fifths rule (selection-rate ratio)",
}
HEATMAP_METRICS = ("selection_rate", "true_positive_rate", "accuracy")


def _nan(v: float) -> bool:
    return v != v


def _interval_text(interval) -> str:
    if interval is None or _nan(interval.low):
        return ""
    return f"[{interval.low:.3f}, {interval.high:.3f}]"


def _value_cell(m) -> dict[str, str]:
    if _nan(m.value):
        return {"value": "undefined", "interval": "", "wilson": "", "reason": m.undefined_reason,
                "bound": ""}
    bound = getattr(m, "error_bound", None)
    return {"value": f"{m.value:.3f}", "interval": _interval_text(m.interval),
            "wilson": _interval_text(m.wilson), "reason": "",
            "bound": "" if bound is None else f"± {bound:.4f} (binned scores)"}


def group_table(partition) -> dict[str, Any]:
    """Rows of the group metric table: values with intervals, sizes, small-group flags."""
    metrics = [m for m in METRIC_LABELS if m in partition.groups[0].metrics] + sorted(
        m for m in partition.groups[0].metrics if m not in METRIC_LABELS)
    rows = []
    for g in partition.groups:
        cells = [_value_cell(g.metrics[m]) for m in metrics]
        row = {"group": g.group, "size": g.size, "small": "yes" if g.small else "", "cells": cells}
        for m, cell in zip(metrics, cells):
            row[m], row[f"{m}_interval"] = cell["value"], cell["interval"]
        rows.append(row)
    shown = {"group": "group", "size": "n", "small": "small"}
    for m in metrics:
        shown[m] = METRIC_LABELS.get(m, m)
        shown[f"{m}_interval"] = f"{METRIC_LABELS.get(m, m)} CI"
    return {"name": partition.name, "columns": [METRIC_LABELS.get(m, m) for m in metrics],
            "rows": rows, "n_dropped": partition.n_dropped_missing, "table": Table(rows, shown)}


def disparity_rows(partition) -> list[dict[str, Any]]:
    """The disparity summary of one partition with pass/fail against its limits."""
    rows = []
    small = {g.group: g.size for g in partition.groups if g.small}
    for d in partition.disparities:
        notes = [d.undefined_reason] if d.undefined_reason else []
        if d.excluded_groups:
            notes.append(f"excludes {', '.join(d.excluded_groups)} (undefined)")
        notes += [f"{role} group is small (n={small[g]})" for role, g in
                  (("worst", d.worst_group), ("best", d.best_group)) if g in small]
        rows.append({
            "partition": partition.name, "name": DISPARITY_LABELS.get(d.name, d.name),
            "value": "undefined" if _nan(d.value) else f"{d.value:.3f}",
            "interval": _interval_text(d.interval),
            "limit": f"{'≤' if d.kind == 'difference' else '≥'} {d.limit:g}",
            "verdict": d.verdict,
            "crosses": d.interval is not None and not d.conclusive and d.verdict != "undefined",
            # as for policy gates: a pass whose interval crosses the limit is only a warning
            "light": ("warn" if d.verdict == "pass" and d.interval is not None
                      and not d.conclusive else
                      {"pass": "pass", "fail": "fail"}.get(d.verdict, "warn")),
            "worst": d.worst_group, "best": d.best_group,
            "note": "; ".join(notes),
        })
        rows[-1]["reading"] = d.verdict + (" (interval crosses the limit)" if rows[-1]["crosses"]
                                           else "")
    return rows


DISPARITY_COLUMNS = {"partition": "features", "name": "measure", "value": "value",
                     "interval": "interval", "limit": "limit", "reading": "verdict",
                     "worst": "worst group", "best": "best group", "note": "note"}


def disparity_table(partitions) -> Table:
    """The disparity rows of every partition given, as one table."""
    return Table([row for p in partitions for row in disparity_rows(p)], DISPARITY_COLUMNS)


def _interval_charts(partition) -> list[Markup]:
    charts = []
    for metric in ("selection_rate", "true_positive_rate"):
        ms = [g.metrics[metric] for g in partition.groups]
        lows = [m.interval.low if m.interval else float("nan") for m in ms]
        highs = [m.interval.high if m.interval else float("nan") for m in ms]
        charts.append(Markup(_charts.interval_chart(
            [g.group for g in partition.groups], [m.value for m in ms], lows, highs,
            xlabel=METRIC_LABELS[metric].lower() if metric == "selection_rate" else
            "true positive rate", flagged=[g.small for g in partition.groups],
            title=f"{METRIC_LABELS[metric]} by {partition.name}")))
    return charts


def heatmaps(partition) -> list[Markup]:
    """Intersectional heatmaps (two-feature partitions only), annotated with value and size."""
    if len(partition.features) != 2:
        return []
    rows = sorted({g.labels[0] for g in partition.groups})
    cols = sorted({g.labels[1] for g in partition.groups})
    by_cell = {g.labels: g for g in partition.groups}
    charts = []
    for metric in HEATMAP_METRICS:
        matrix, notes = [], []
        for r in rows:
            mrow, nrow = [], []
            for c in cols:
                g = by_cell.get((r, c))
                v = g.metrics[metric].value if g else float("nan")
                mrow.append(v)
                label = "no rows" if g is None else (
                    f"{'undef.' if _nan(v) else f'{v:.2f}'}\nn={g.size}{'*' if g.small else ''}")
                nrow.append(label)
            matrix.append(mrow)
            notes.append(nrow)
        charts.append(Markup(_charts.heatmap_chart(
            matrix, rows, cols, annotations=notes, colorbar_label=METRIC_LABELS[metric],
            title=f"{METRIC_LABELS[metric]}: {partition.name}")))
    return charts


def calibration_chart(partition) -> Markup | None:
    curves = {f"{g.group} (ECE {g.metrics['expected_calibration_error'].value:.3f})":
              (g.reliability.mean_predicted, g.reliability.fraction_positive)
              for g in partition.groups if g.reliability is not None and g.size > 0}
    if not curves:
        return None
    return Markup(_charts.reliability_chart(curves, title=f"Calibration by {partition.name}"))


def epoch_charts(result: AuditResult, partitions: list[str]) -> list[Markup]:
    """Per-epoch curves of group accuracy and disparities recorded by the training callback."""
    if not result.history:
        return []
    epochs = [r.epoch for r in result.history]
    charts = []
    for name in partitions:
        acc: dict[str, list[float]] = defaultdict(list)
        disp: dict[str, list[float]] = defaultdict(list)
        prefix_g, key_d = f"fairness/accuracy[{name}=", f"[{name}]"
        for record in result.history:
            for key, value in record.metrics.items():
                if key.startswith(prefix_g):
                    acc[key[len(prefix_g):-1]].append(value)
                elif key.startswith("fairness/") and key.endswith(key_d) and "_ratio" not in key:
                    disp[key[len("fairness/"):-len(key_d)].replace("_", " ")].append(value)
        if acc and all(len(v) == len(epochs) for v in acc.values()):
            charts.append(Markup(_charts.line_chart(
                epochs, dict(acc), xlabel="epoch",
                ylabel="validation accuracy", title=f"Accuracy by {name}")))
        if disp and all(len(v) == len(epochs) for v in disp.values()):
            charts.append(Markup(_charts.line_chart(
                epochs, dict(disp), xlabel="epoch", ylabel="disparity",
                title=f"Disparities over {name}")))
    return charts


TREND_DISPARITIES = ("demographic_parity_difference", "equalized_odds_difference")


def _series(points) -> tuple[list[float], list[float], list[float]]:
    values = [p.value for p in points]
    lows = [p.interval.low if p.interval is not None else float("nan") for p in points]
    highs = [p.interval.high if p.interval is not None else float("nan") for p in points]
    return values, lows, highs


def trend_charts(section) -> list[Markup]:
    """Per single feature: its disparities per window (with intervals and the limit), and each
    group's selection rate per window."""
    windows = section.windows
    if not windows:
        return []
    labels = [w.window for w in windows]
    charts = []
    for j, p in enumerate(windows[-1].partitions):
        if len(p.features) != 1:
            continue
        for name in TREND_DISPARITIES:
            points = [next(d for d in w.partitions[j].disparities if d.name == name)
                      for w in windows]
            charts.append(Markup(_charts.trend_chart(
                labels, {DISPARITY_LABELS[name]: _series(points)}, ylabel=name.replace("_", " "),
                limit=points[-1].limit, title=f"{DISPARITY_LABELS[name]} of {p.name} per "
                                              f"{section.window}")))
        groups = sorted({g.group for w in windows for g in w.partitions[j].groups})
        rates = {}
        for group in groups:
            points = []
            for w in windows:
                found = next((g for g in w.partitions[j].groups if g.group == group), None)
                points.append(found.metrics["selection_rate"] if found is not None else None)
            rates[group] = tuple(list(t) for t in zip(*[
                (m.value, m.interval.low if m.interval else float("nan"),
                 m.interval.high if m.interval else float("nan")) if m is not None
                else (float("nan"),) * 3 for m in points]))
        charts.append(Markup(_charts.trend_chart(
            labels, rates, ylabel="selection rate",
            title=f"Selection rate by {p.name} per {section.window}")))
    return charts


def latest_window_rows(section) -> Table:
    """The disparity rows of the latest window (what gates on the latest window read)."""
    if not section.windows:
        return Table([], DISPARITY_COLUMNS)
    return disparity_table(section.windows[-1].partitions)


MITIGATION_COLUMNS = {"method": "method", "stage": "stage", "feature": "for",
                      "dp": "DP difference", "eo": "EO difference", "accuracy": "accuracy",
                      "cost": "cost", "baseline": "compared with"}
BEFORE_AFTER_COLUMNS = {"group": "group", "size": "n", "selection_rate": "selection rate",
                        "true_positive_rate": "TPR", "false_positive_rate": "FPR",
                        "accuracy": "accuracy"}


def mitigation_table(section) -> Table:
    """One row per mitigation tried: disparities and accuracy before -> after, and its cost.

    Each row's ``groups`` is the per-group before -> after table (:data:`BEFORE_AFTER_COLUMNS`).
    """
    rows = []
    for m in section.mitigation:
        def disp(p, name):
            return next(d.value for d in p.disparities if d.name == name)

        cells = {}
        for name in ("demographic_parity_difference", "equalized_odds_difference"):
            b, a = disp(m.before, name), disp(m.after, name)
            cells[name] = f"{b:.3f} → {a:.3f}" if not (_nan(a) or _nan(b)) else "undefined"
        cost = m.accuracy_before - m.accuracy_after
        rows.append({"method": m.method, "stage": m.stage, "feature": m.feature,
                     "baseline": m.baseline,
                     "dp": cells["demographic_parity_difference"],
                     "eo": cells["equalized_odds_difference"],
                     "accuracy": f"{100 * m.accuracy_before:.2f}% → {100 * m.accuracy_after:.2f}%",
                     "cost": f"{100 * cost:+.2f} pts" + (
                         f" (COLLAPSED: below the majority class's {100 * m.majority_accuracy:.2f}%)"
                         if m.collapsed else ""), "seconds": f"{m.seconds:.1f}",
                     "note": m.note, "settings": ", ".join(f"{k}={v}" for k, v in m.settings.items()),
                     "groups": Table(_before_after_groups(m), BEFORE_AFTER_COLUMNS)})
    return Table(rows, MITIGATION_COLUMNS)


def _before_after_groups(m) -> list[dict[str, str]]:
    out = []
    for b, a in zip(m.before.groups, m.after.groups):
        row = {"group": b.group, "size": f"{b.size:,}"}
        for metric in ("selection_rate", "true_positive_rate", "false_positive_rate", "accuracy"):
            vb, va = b.metrics[metric].value, a.metrics[metric].value
            row[metric] = ("undefined" if _nan(vb) or _nan(va) else f"{vb:.3f} → {va:.3f}")
        out.append(row)
    return out


def tradeoff(section) -> Markup | None:
    if not section.mitigation:
        return None
    points = []
    for m in section.mitigation:
        key = ("equalized_odds_difference" if "equalized_odds" in m.method
               else "demographic_parity_difference")
        b = next(d.value for d in m.before.disparities if d.name == key)
        a = next(d.value for d in m.after.disparities if d.name == key)
        if not any(math.isnan(v) for v in (a, b)):
            points.append((m.method, m.accuracy_before, b, m.accuracy_after, a))
    if not points:
        return None
    return Markup(_charts.tradeoff_chart(
        points, xlabel="test accuracy", ylabel="disparity the method targets",
        title="Price of fairness: before (grey) → after"))


DP_COST_COLUMNS = {"partition": "features", "group": "group", "n": "test rows",
                   "accuracy_non_private": "accuracy without DP",
                   "accuracy_private": "accuracy with DP", "cost": "accuracy cost of DP",
                   "cost_interval": "cost CI (paired bootstrap)", "attack": "attack",
                   "auc": "attack AUC", "auc_interval": "attack AUC CI",
                   "tpr": "attack TPR at FPR 1%", "small": "small"}


def dp_cost_table(privacy) -> Table:
    """Each sensitive group's (and intersection's) accuracy cost under DP beside its privacy
    risk, one row per group: accuracy with and without DP on its test rows, the cost with its
    paired bootstrap interval, and the membership attack's AUC and TPR at FPR 1% on the group
    (from the privacy section; empty without a DP cost table)."""
    cost = getattr(privacy, "group_dp_cost", None)
    if cost is None or not cost.rows:
        return Table([], DP_COST_COLUMNS)
    from audit.privacy import risk_table

    membership = privacy.membership
    risk = {(r["partition"], r["group"]): r for r in
            (risk_table(membership.group_risk) if membership is not None else [])}
    nan = float("nan")
    rows = []
    for r in cost.rows:
        g = risk.get((r.partition, r.group), {})
        rows.append({
            "partition": r.partition, "group": r.group, "n": r.n,
            "accuracy_non_private": f"{r.accuracy_non_private:.3f}",
            "accuracy_private": f"{r.accuracy_private:.3f}", "cost": f"{r.cost:+.3f}",
            "cost_interval": _interval_text(r.cost_interval),
            "excludes_zero": bool(r.cost_interval.low > 0 or r.cost_interval.high < 0),
            "attack": g.get("attack", "not run"),
            "auc": "undefined" if _nan(g.get("auc", nan)) else f"{g['auc']:.3f}",
            "auc_interval": ("" if _nan(g.get("auc_ci", (nan,))[0]) else
                             f"[{g['auc_ci'][0]:.3f}, {g['auc_ci'][1]:.3f}]"),
            "tpr": ("undefined" if _nan(g.get("tpr_at_1pct_fpr", nan)) else
                    f"{g['tpr_at_1pct_fpr']:.4f}"),
            "small": "yes" if r.small or g.get("small") else ""})
    return Table(rows, DP_COST_COLUMNS)


def tables(section, privacy=None) -> dict[str, Table]:
    """The section's tables: ``disparities``, ``groups:<features>`` (one per partition),
    ``mitigation``; with the run's privacy section, ``dp_cost`` (each group's accuracy cost
    under DP beside its privacy risk, :func:`dp_cost_table`)."""
    return {"disparities": disparity_table(section.partitions),
            **{f"groups:{p.name}": group_table(p)["table"] for p in section.partitions},
            "mitigation": mitigation_table(section),
            "dp_cost": dp_cost_table(privacy)}


def context(result: AuditResult) -> dict[str, Any]:
    """Template variables for `templates/sections/fairness.html.j2` (charts as Markup)."""
    section = getattr(result, "fairness", None)
    if section is None:
        return {"fairness_view": None}
    base = [p for p in section.partitions if len(p.features) == 1]
    privacy = getattr(result, "privacy", None)
    cost = getattr(privacy, "group_dp_cost", None)
    return {"fairness_view": {
        "dp_cost": dp_cost_table(privacy),
        "dp_cost_audit": cost,
        "s": section,
        "reading": list(section.reading),
        "disparities": disparity_table(section.partitions),
        "tables": [group_table(p) for p in section.partitions],
        "interval_charts": [c for p in base for c in _interval_charts(p)],
        "heatmaps": [c for p in section.partitions for c in heatmaps(p)],
        "calibration": [c for p in base if (c := calibration_chart(p)) is not None],
        "epochs": epoch_charts(result, [p.name for p in base]),
        "mitigation": mitigation_table(section),
        "tradeoff": tradeoff(section),
        "trends": trend_charts(section),
        "latest": latest_window_rows(section),
        "latest_window": section.windows[-1] if section.windows else None,
        "n_fail": sum(d.verdict == "fail" for p in section.partitions for d in p.disparities),
        "n_checks": sum(d.verdict != "undefined" for p in section.partitions
                        for d in p.disparities),
    }}
