"""What the report's privacy section needs: epsilon over epochs, ROC curves on log-log axes,
per-group attack success, the privacy-utility curve (charts as SVG, tables as rows)."""

from __future__ import annotations

import math
from typing import Any

from markupsafe import Markup

from audit.result import AuditResult
from reports._charts import figure_to_svg, line_chart, plt

_FPR_LABELS = {"0.001": "TPR at FPR 0.1%", "0.01": "TPR at FPR 1%"}


def _epsilon_chart(result: AuditResult) -> Markup | None:
    history = [r for r in result.history if "privacy/epsilon" in r.metrics]
    if not history:
        return None
    series = {name.upper(): [r.metrics[f"privacy/epsilon[{name}]"] for r in history]
              for name in ("prv", "rdp", "gdp") if f"privacy/epsilon[{name}]" in history[0].metrics}
    return Markup(line_chart([r.epoch for r in history], series, xlabel="epoch",
                             ylabel="epsilon spent",
                             title=f"Privacy spent (delta = {result.privacy.spend.delta:g})"))


def _roc_chart(membership: Any) -> Markup:
    fig, ax = plt.subplots(figsize=(4.2, 3.6))
    floor = 1.0 / (10 * max(membership.n_nonmembers, 1))
    for name, attack in membership.attacks.items():
        fpr = [max(f, floor) for f in attack.roc.fpr]
        tpr = [max(t, floor) for t in attack.roc.tpr]
        ax.plot(fpr, tpr, label=f"{name} (AUC {attack.auc:.3f})")
    ax.plot([floor, 1], [floor, 1], color="grey", linestyle="--", linewidth=1,
            label="chance (TPR = FPR)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(floor, 1)
    ax.set_ylim(floor, 1)
    ax.set_xlabel("false positive rate (non-members flagged)")
    ax.set_ylabel("true positive rate (members found)")
    ax.set_title("Membership inference ROC (log-log)", loc="left", fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend(frameon=False, fontsize=7, loc="lower right")
    return Markup(figure_to_svg(fig))


def _utility_chart(points: tuple) -> Markup:
    fig, axes = plt.subplots(1, 3, figsize=(9.6, 2.6))
    finite = [p for p in points if math.isfinite(p.epsilon)]
    plain = next((p for p in points if not math.isfinite(p.epsilon)), None)
    xs = [p.epsilon for p in finite]
    panels = [("accuracy", "test accuracy", [p.accuracy for p in finite], plain and plain.accuracy),
              ("attack_auc", "loss-attack AUC", [p.attack_auc for p in finite],
               plain and plain.attack_auc),
              ("dp", f"demographic parity diff. ({points[0].fairness_feature})",
               [p.dp_difference for p in finite], plain and plain.dp_difference)]
    for ax, (_, label, ys, plain_value) in zip(axes, panels):
        ax.plot(xs, ys, marker="o", markersize=4, label="DP-SGD")
        if plain_value is not None:
            ax.axhline(plain_value, color="grey", linestyle="--", linewidth=1,
                       label="non-private")
        ax.set_xscale("log")
        ax.minorticks_off()
        ax.set_xticks(xs, [f"{x:.3g}" for x in xs])
        ax.set_xlabel("epsilon (log scale)")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    if finite:
        intervals = [(p.attack_auc_interval.low, p.attack_auc_interval.high) for p in finite]
        axes[1].vlines(xs, [lo for lo, _ in intervals], [hi for _, hi in intervals],
                       color="C0", linewidth=1)
    axes[0].legend(frameon=False, fontsize=7)
    fig.tight_layout()
    return Markup(figure_to_svg(fig))


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
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.6, 2.8))
    for point in tracked:
        epochs = list(range(1, len(point.fairness_history) + 1))
        label = _run_label(point)
        left.plot(epochs, [h.get(gap_key, math.nan) for h in point.fairness_history],
                  marker="o", markersize=3, label=label)
        worst = [min((v for k, v in h.items() if k.startswith(prefix)), default=math.nan)
                 for h in point.fairness_history]
        right.plot(epochs, worst, marker="o", markersize=3, label=label)
    left.set_ylabel(f"demographic parity diff. ({feature})")
    right.set_ylabel(f"worst {feature} group's accuracy")
    for ax in (left, right):
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    left.legend(frameon=False, fontsize=7)
    fig.tight_layout()
    return Markup(figure_to_svg(fig))


def _attack_rows(membership: Any, spend: Any) -> list[dict[str, Any]]:
    rows = []
    for name, attack in membership.attacks.items():
        eps = attack.empirical_epsilon
        rows.append({
            "name": name, "description": attack.description, "auc": attack.auc,
            "auc_interval": attack.auc_interval,
            "tpr": [(_FPR_LABELS.get(k, k), v, attack.tpr_at_fpr_intervals[k],
                     attack.fpr_resolvable.get(k, True)) for k, v in attack.tpr_at_fpr.items()],
            "empirical_epsilon": eps.epsilon_lower_bound if eps is not None else None,
            "alarm": bool(eps is not None and spend is not None
                          and eps.epsilon_lower_bound > spend.epsilon),
        })
    return rows


def _group_rows(membership: Any) -> list[dict[str, Any]]:
    rows = []
    for name, attack in membership.attacks.items():
        for feature, groups in attack.per_group.items():
            for label, group in groups.items():
                rows.append({"attack": name, "feature": feature, "group": label,
                             "n_members": group.n_members, "n_nonmembers": group.n_nonmembers,
                             "auc": group.auc, "auc_interval": group.auc_interval,
                             "tpr_1pct": group.tpr_at_fpr.get("0.01", math.nan),
                             "flags": "; ".join(group.flags)})
    return rows


def context(result: AuditResult) -> dict[str, Any]:
    """Template variables for ``templates/_privacy.html.j2``."""
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
        "attack_rows": _attack_rows(membership, section.spend) if membership is not None else [],
        "group_rows": _group_rows(membership) if membership is not None else [],
        "utility_chart": _utility_chart(section.utility_curve) if section.utility_curve else None,
        "fairness_epoch_chart": _fairness_by_epoch_chart(section.utility_curve),
        "utility": section.utility_curve,
    }
    view["alarm"] = any(row["alarm"] for row in view["attack_rows"])
    return {"privacy_view": view}
