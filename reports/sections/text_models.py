"""What the report's text-models section needs: task, baselines, models, distillation (no HTML).

User strings (column names, group names, the tokenizer path) reach the template as plain
strings and are autoescaped there.
"""

from __future__ import annotations

from typing import Any

from audit.result import AuditResult

ROLE_LABELS = {"model": "audited model", "teacher": "teacher (audited model)",
               "student": "distilled student", "student_alone": "student trained on labels only"}


def _pct(value: float | None) -> str:
    return "undefined" if value is None or value != value else f"{100 * value:.1f}%"


def _gap(value: float) -> str:
    return "undefined" if value != value else f"{value:.3f}"


def _interval(iv) -> str:
    return f"[{_pct(iv.low)}, {_pct(iv.high)}]"


def context(result: AuditResult) -> dict[str, Any]:
    """``{"text_models_view": None}`` when the run has no text models, else its tables."""
    section = getattr(result, "text_models", None)
    if section is None:
        return {"text_models_view": None}
    gap_names = sorted({k for m in section.models for k in m.gaps})
    models = [{"role": ROLE_LABELS.get(m.role, m.role), "kind": m.kind,
               "n_parameters": m.n_parameters, "accuracy": _pct(m.accuracy),
               "interval": _interval(m.accuracy_interval),
               "roc_auc": "undefined" if m.roc_auc != m.roc_auc else f"{m.roc_auc:.3f}",
               "seconds": f"{m.seconds:.0f} s",
               "privacy": f"DP-SGD, epsilon {m.epsilon:.2f}" if m.private and m.epsilon is not None
               else "none",
               "agreement": _pct(m.agreement_with_teacher),
               "gaps": [_gap(m.gaps[g]) if g in m.gaps else "-" for g in gap_names]}
              for m in section.models]
    baselines = [{"name": b.name.replace("_", " "), "description": b.description,
                  "accuracy": _pct(b.accuracy), "interval": _interval(b.accuracy_interval)}
                 for b in section.baselines]
    splits = [{"split": s, "n": section.n_examples.get(s, 0), "truncated": section.n_truncated.get(s, 0)}
              for s in ("train", "validation", "test")]
    return {"text_models_view": {"s": section, "models": models, "baselines": baselines,
                                 "gap_names": gap_names, "splits": splits,
                                 "distillation": section.distillation}}
