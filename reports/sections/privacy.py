"""The privacy section's view model: epsilon over epochs, ROC curves on log-log axes, per-group
attack success, the privacy-utility curve (charts as Markup for the report; tables as
:class:`~reports.table.Table`, read by the report and the dashboard page alike)."""

from __future__ import annotations

import math
from typing import Any

from markupsafe import Markup

from audit.privacy import BOUND_MEANINGS, risk_table
from audit.result import AuditResult
from reports import _charts
from reports._charts import line_chart
from reports.table import Table

#: GDP is a central-limit approximation, not a bound: its name says so wherever it is shown.
_ACCOUNTANT_LABELS = {"prv": "PRV", "rdp": "RDP", "gdp": "GDP (approximation)"}
_FPR_LABELS = {"0.001": "TPR at FPR 0.1%", "0.01": "TPR at FPR 1%"}


def _epsilon_chart(result: AuditResult) -> Markup | None:
    history = [r for r in result.history if "privacy/epsilon" in r.metrics]
    if not history:
        return None
    series = {_ACCOUNTANT_LABELS[name]: [r.metrics[f"privacy/epsilon[{name}]"] for r in history]
              for name in ("prv", "rdp", "gdp") if f"privacy/epsilon[{name}]" in history[0].metrics}
    return Markup(line_chart([r.epoch for r in history], series, xlabel="epoch",
                             ylabel="epsilon spent",
                             title=f"Privacy spent (delta = {result.privacy.spend.delta:g})"))


def _roc_chart(membership: Any) -> Markup:
    floor = 1.0 / (10 * max(membership.n_nonmembers, 1))
    points = [{"attack": f"{name} (AUC {attack.auc:.3f})", "fpr": max(f, floor), "tpr": max(t, floor)}
              for name, attack in membership.attacks.items()
              for f, t in zip(attack.roc.fpr, attack.roc.tpr)]
    decades = [10.0 ** -k for k in range(0, 1 - math.floor(math.log10(floor))) if 10.0 ** -k >= floor]
    axis = {"type": "quantitative", "scale": {"type": "log", "domain": [floor, 1]},
            "axis": {"values": decades, "format": "~g"}}
    spec = {
        "width": 280, "height": 240,
        "title": {"text": "Membership inference ROC (log-log)", "subtitle": "dashed: chance (TPR = FPR)"},
        "layer": [
            {"data": {"values": [{"p": floor}, {"p": 1.0}]},
             "mark": {"type": "line", "color": _charts.GREY, "strokeDash": [4, 3]},
             "encoding": {"x": {"field": "p", **axis}, "y": {"field": "p", **axis}}},
            {"data": {"values": points},
             "mark": {"type": "line", "tooltip": True},
             "encoding": {"x": {"field": "fpr", "title": "false positive rate (non-members flagged)", **axis},
                          "y": {"field": "tpr", "title": "true positive rate (members found)", **axis},
                          "color": {"field": "attack", "type": "nominal", "sort": None, "title": None,
                                    "legend": {"orient": "bottom-right"}},
                          "order": {"field": "fpr", "type": "quantitative"}}},
        ],
    }
    return _charts.chart_html(spec, label="membership inference ROC")


def _epsilon_panel(xs: list[float], ys: list[float], plain_value: float | None, label: str,
                   intervals: list[tuple[float, float]] | None = None) -> dict[str, Any]:
    """One panel of the privacy-utility figure: DP-SGD runs over epsilon (log), non-private dashed."""
    x = {"field": "epsilon", "type": "quantitative", "title": "epsilon (log scale)",
         "scale": {"type": "log"}, "axis": {"values": xs, "format": ".3g"}}
    rows = [{"epsilon": e, "value": v, "low": lo, "high": hi}
            for e, v, (lo, hi) in zip(xs, ys, intervals or [(None, None)] * len(xs))]
    layers: list[dict[str, Any]] = [
        {"mark": {"type": "line", "point": True, "tooltip": True, "color": _charts.BLUE},
         "encoding": {"x": x, "y": {"field": "value", "type": "quantitative", "title": label,
                                    "scale": {"zero": False}}}}]
    if intervals:
        layers.append({"mark": {"type": "rule", "color": _charts.BLUE},
                       "encoding": {"x": x, "y": {"field": "low", "type": "quantitative"},
                                    "y2": {"field": "high"}}})
    if plain_value is not None:
        layers.append({"data": {"values": [{"value": plain_value}]},
                       "mark": {"type": "rule", "color": _charts.GREY, "strokeDash": [4, 3]},
                       "encoding": {"y": {"field": "value", "type": "quantitative"}}})
    return {"width": 200, "height": 160, "data": {"values": rows}, "layer": layers}


def _utility_chart(points: tuple) -> Markup:
    finite = [p for p in points if math.isfinite(p.epsilon)]
    plain = next((p for p in points if not math.isfinite(p.epsilon)), None)
    xs = [p.epsilon for p in finite]
    intervals = [(p.attack_auc_interval.low, p.attack_auc_interval.high) for p in finite]
    panels = [
        _epsilon_panel(xs, [p.accuracy for p in finite], plain and plain.accuracy, "test accuracy"),
        _epsilon_panel(xs, [p.attack_auc for p in finite], plain and plain.attack_auc,
                       "loss-attack AUC", intervals),
        _epsilon_panel(xs, [p.dp_difference for p in finite], plain and plain.dp_difference,
                       f"demographic parity diff. ({points[0].fairness_feature})"),
    ]
    return _charts.chart_html({"hconcat": panels}, label="privacy-utility curve")


def _run_label(point) -> str:
    return "non-private" if not math.isfinite(point.epsilon) else f"ε = {point.epsilon:.3g}"


def _fairness_by_epoch_chart(points: tuple) -> Markup | None:
    """Per-epoch fairness of every utility-curve run, private and non-private side by side."""
    tracked = [p for p in points if p.fairness_history]
    if not tracked:
        return None
    feature = tracked[0].fairness_feature
    gap_key = f"fairness/demographic_parity_difference[{feature}]"
    prefix = f"fairness/accuracy[{feature}="
    rows = []
    for point in tracked:
        for epoch, record in enumerate(point.fairness_history, start=1):
            worst = min((v for k, v in record.items() if k.startswith(prefix)), default=math.nan)
            rows.append({"run": _run_label(point), "epoch": epoch,
                         "gap": record.get(gap_key, math.nan), "worst": worst})
    color = {"field": "run", "type": "nominal", "sort": None, "title": None}

    def panel(field: str, title: str) -> dict[str, Any]:
        return {"width": 300, "height": 170, "mark": {"type": "line", "point": True, "tooltip": True},
                "encoding": {"x": {"field": "epoch", "type": "quantitative", "title": "epoch",
                                   "axis": {"tickMinStep": 1}},
                             "y": {"field": field, "type": "quantitative", "title": title,
                                   "scale": {"zero": False}},
                             "color": color}}

    spec = {"data": {"values": rows},
            "hconcat": [panel("gap", f"demographic parity diff. ({feature})"),
                        panel("worst", f"worst {feature} group's accuracy")]}
    return _charts.chart_html(spec, label="fairness over epochs by privacy level")


def attack_table(membership: Any, spend: Any) -> Table:
    """One row per attack: AUC and TPR at low FPR with intervals, the empirical epsilon bound."""
    rows = []
    for name, attack in membership.attacks.items():
        eps = attack.empirical_epsilon
        row = {
            "name": name, "description": attack.description, "auc": attack.auc,
            "auc_interval": attack.auc_interval,
            "tpr": [(_FPR_LABELS.get(k, k), v, attack.tpr_at_fpr_intervals[k],
                     attack.fpr_resolvable.get(k, True)) for k, v in attack.tpr_at_fpr.items()],
            "empirical_epsilon": eps.epsilon_lower_bound if eps is not None else None,
            "alarm": bool(eps is not None and spend is not None
                          and eps.epsilon_lower_bound > spend.epsilon),
        }
        for k, v in attack.tpr_at_fpr.items():
            row[f"tpr_{k}"] = v
            row[f"tpr_{k}_interval"] = attack.tpr_at_fpr_intervals[k]
        rows.append(row)
    columns = {"name": "attack", "auc": "AUC", "auc_interval": "AUC 95% CI"}
    for k in next(iter(membership.attacks.values())).tpr_at_fpr if membership.attacks else ():
        label = _FPR_LABELS.get(k, f"TPR at FPR {k}")
        columns[f"tpr_{k}"] = label
        columns[f"tpr_{k}_interval"] = f"{label} CI"
    columns["empirical_epsilon"] = "empirical epsilon >="
    return Table(rows, columns)


def group_table(membership: Any, feature: str | None = None) -> Table:
    """One row per (attack, sensitive feature, group): attack success within the group; only
    the groups of ``feature`` when given (its column is then left out)."""
    rows = []
    for name, attack in membership.attacks.items():
        for feature_name, groups in attack.per_group.items():
            if feature is not None and feature_name != feature:
                continue
            for label, group in groups.items():
                rows.append({"attack": name, "feature": feature_name, "group": label,
                             "n_members": group.n_members, "n_nonmembers": group.n_nonmembers,
                             "auc": group.auc, "auc_interval": group.auc_interval,
                             "tpr_1pct": group.tpr_at_fpr.get("0.01", math.nan),
                             "flags": "; ".join(group.flags)})
    columns = {"attack": "attack", "feature": "feature", "group": "group",
               "n_members": "members", "n_nonmembers": "non-members", "auc": "AUC",
               "auc_interval": "AUC 95% CI", "tpr_1pct": "TPR at FPR 1%", "flags": "flags"}
    if feature is not None:
        del columns["feature"]
    return Table(rows, columns)


def utility_table(points: tuple) -> Table:
    """One row per run of the privacy-utility curve (the non-private run included)."""
    rows = [{"target_epsilon": p.target_epsilon, "epsilon": p.epsilon,
             "noise_multiplier": p.noise_multiplier, "accuracy": p.accuracy,
             "attack_auc": p.attack_auc, "attack_auc_interval": p.attack_auc_interval,
             "dp_difference": p.dp_difference, "fairness_feature": p.fairness_feature,
             "worst_group": p.worst_group, "worst_group_accuracy": p.worst_group_accuracy,
             "seconds": p.seconds, "point": p} for p in points]
    feature = points[0].fairness_feature if points else ""
    return Table(rows, {"target_epsilon": "target epsilon", "epsilon": "epsilon",
                        "noise_multiplier": "noise multiplier", "accuracy": "accuracy",
                        "attack_auc": "loss-attack AUC", "attack_auc_interval": "AUC 95% CI",
                        "dp_difference": f"demographic parity diff. ({feature})",
                        "worst_group": "worst group",
                        "worst_group_accuracy": "worst group accuracy", "seconds": "seconds"})


#: Column headers of the per-checkpoint bounds, in the order shown.
CHECKPOINT_COLUMNS = {"epoch": "epoch", "prv": "PRV epsilon (upper)", "rdp": "RDP epsilon (upper)",
                      "gdp": "GDP epsilon (approximation)",
                      "loss_attack": "loss attack epsilon >= (lower)",
                      "best_attack": "strongest attack epsilon >= (lower)",
                      "canary": "canary epsilon >= (lower)", "undefined": "undefined because"}
_BOUND_LABELS = {"loss_attack": "loss attack", "best_attack": "strongest attack",
                 "canary": "canary"}


def checkpoint_table(section) -> Table:
    """One row per epoch of a DP run: each accountant's epsilon (upper bounds) beside the
    attack and canary lower bounds; a bound that cannot be computed at an epoch reads
    ``undefined`` and the last column says why."""
    rows = []
    for cp in section.checkpoints:
        row = {"epoch": f"{cp.epoch}{' (final)' if cp.final else ''}", "final": cp.final}
        for name in ("prv", "rdp", "gdp"):
            value = cp.epsilons.get(name, math.nan)
            row[name] = "undefined" if math.isnan(value) else f"{value:.3f}"
        why = []
        for name, label in _BOUND_LABELS.items():
            bound = cp.bounds.get(name)
            if bound is None or bound.undefined_reason:
                row[name] = "undefined"
                why.append(f"{label}: {bound.undefined_reason if bound else 'not recorded'}")
            else:
                row[name] = f"{bound.value:.3f}"
        row["undefined"] = "; ".join(why)
        rows.append(row)
    return Table(rows, CHECKPOINT_COLUMNS)


#: What each bound of :func:`checkpoint_table` means, in one plain sentence each.
CHECKPOINT_MEANINGS = tuple(BOUND_MEANINGS[k] for k in ("prv", "rdp", "gdp", "loss_attack",
                                                        "best_attack", "canary"))


def tables(section) -> dict[str, Table]:
    """The section's tables: ``attacks``, ``groups:<feature>`` (attack success per group of
    each sensitive feature), ``utility``, ``checkpoints`` (the bounds per epoch of a DP run)."""
    membership = section.membership
    features = dict.fromkeys(f for a in membership.attacks.values() for f in a.per_group) \
        if membership else {}
    return {"attacks": attack_table(membership, section.spend) if membership else Table([]),
            **{f"groups:{f}": group_table(membership, f) for f in features},
            "utility": utility_table(section.utility_curve),
            "checkpoints": checkpoint_table(section)}


def context(result: AuditResult) -> dict[str, Any]:
    """Template variables for ``templates/sections/privacy.html.j2``."""
    section = result.privacy
    if section is None:
        return {"privacy_view": None}
    membership = section.membership
    view = {
        "spend": section.spend,
        "notes": section.notes,
        "epsilon_chart": _epsilon_chart(result) if section.spend is not None else None,
        "membership": membership,
        "roc_chart": _roc_chart(membership) if membership is not None else None,
        "attack_rows": attack_table(membership, section.spend) if membership is not None else Table([]),
        "group_rows": group_table(membership) if membership is not None else Table([]),
        "utility_chart": _utility_chart(section.utility_curve) if section.utility_curve else None,
        "fairness_epoch_chart": _fairness_by_epoch_chart(section.utility_curve),
        "utility": utility_table(section.utility_curve),
        "canary": section.canary_audit,
        "risk_rows": risk_table(membership.group_risk) if membership is not None else [],
        "checkpoints": checkpoint_table(section),
        "checkpoint_meanings": CHECKPOINT_MEANINGS,
    }
    view["alarm"] = any(row["alarm"] for row in view["attack_rows"])
    return {"privacy_view": view}
