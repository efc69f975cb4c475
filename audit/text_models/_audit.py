"""The text-models audit: the trained model beside baselines, and its distilled student."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from audit.core import AuditContext
from audit.quality import model_quality
from audit.result import DistillationSummary, TextModelsSection, TextModelSummary
from audit.text_models._config import TextModelsAuditConfig

#: Disparities copied from the fairness audit into each model's summary.
SUMMARY_GAPS = ("demographic_parity_difference", "equalized_odds_difference")


def _gaps(section) -> dict[str, float]:
    return {f"{d.name}[{p.name}]": float(d.value) for p in section.partitions
            for d in p.disparities if d.name in SUMMARY_GAPS}


def model_summary(role: str, kind: str, model: Any, dataset: Any, run: Any, scores: np.ndarray,
                  fairness_config: Any, seed: int,
                  teacher_pred: np.ndarray | None = None) -> TextModelSummary:
    """Accuracy (Wilson interval), ROC AUC, agreement with a teacher and group gaps of one
    trained text model on the test split."""
    from audit.fairness import audit_fairness

    quality = model_quality(dataset.test.y, scores, split="test")
    gaps: dict[str, float] = {}
    if dataset.sensitive_features:
        gaps = _gaps(audit_fairness(dataset.test.y, np.clip(scores, 0, 1), dataset.test.sensitive,
                                    config=fairness_config, positive_label=dataset.positive_label,
                                    seed=seed))
    pred = (scores >= 0.5).astype(int)
    return TextModelSummary(
        role=role, kind=kind, n_parameters=sum(p.numel() for p in model.parameters()),
        accuracy=quality.accuracy, accuracy_interval=quality.accuracy_interval,
        roc_auc=quality.roc_auc, seconds=run.seconds, private=run.privacy is not None,
        epsilon=run.privacy.epsilon if run.privacy is not None else None,
        agreement_with_teacher=(float((pred == teacher_pred).mean()) if teacher_pred is not None
                                else float("nan")),
        gaps=gaps)


def transfer_dataset(ctx: AuditContext, transfer: str) -> Any:
    """The dataset the student learns from: the run's own, or (``"full_train"``) the same data
    read again without ``data.text.max_train_examples`` (the validation rows are chosen before
    the subset, so validation and test stay the run's)."""
    text_cfg = getattr(getattr(ctx.config, "data", None), "text", None)
    if transfer == "train" or text_cfg is None or text_cfg.max_train_examples is None:
        return ctx.dataset
    from audit.text import load_text_dataset

    data = ctx.config.data.model_copy(update={"text": text_cfg.model_copy(update={"max_train_examples": None})})
    full = load_text_dataset(ctx.config.model_copy(update={"data": data}), ctx.extras.get("tokenizer"))
    return replace(ctx.dataset, train=full.train)


def _distillation(ctx: AuditContext, config: TextModelsAuditConfig, teacher_summary,
                  fairness_config) -> tuple[list[TextModelSummary], DistillationSummary]:
    from audit.text import build_text_model, distil, predict_text_proba, train_text_model
    from audit.training import seed_everything

    dc = config.distillation
    dataset = transfer_dataset(ctx, dc.transfer)
    teacher_pred = (ctx.test_scores() >= 0.5).astype(int)
    fit_kwargs = {"epochs": dc.epochs, "batch_size": dc.batch_size, "learning_rate": dc.learning_rate,
                  "seed": ctx.seed, "device": ctx.fit_kwargs.get("device", "auto"),
                  "progress": ctx.extras.get("progress", False)}
    summaries = []
    seed_everything(ctx.seed)
    student = build_text_model(ctx.config, dataset, dc.student)
    run = distil(ctx.model, student, dataset, temperature=dc.temperature, alpha=dc.alpha,
                 **fit_kwargs)
    scores = predict_text_proba(run.model, dataset.test, pad_id=dataset.pad_id)
    student_summary = model_summary("student", dc.student, run.model, dataset, run, scores,
                                    fairness_config, ctx.seed, teacher_pred)
    summaries.append(student_summary)
    if dc.student_alone:
        seed_everything(ctx.seed)
        alone = build_text_model(ctx.config, dataset, dc.student)
        run_alone = train_text_model(alone, dataset, **fit_kwargs)
        scores_alone = predict_text_proba(run_alone.model, dataset.test, pad_id=dataset.pad_id)
        summaries.append(model_summary("student_alone", dc.student, run_alone.model, dataset,
                                       run_alone, scores_alone, fairness_config, ctx.seed,
                                       teacher_pred))
    change = student_summary.accuracy - teacher_summary.accuracy
    kept = change >= -dc.max_accuracy_drop
    gap_changes = {k: student_summary.gaps[k] - v for k, v in teacher_summary.gaps.items()
                   if k in student_summary.gaps}
    reading = (f"The distilled {dc.student} student ({student_summary.n_parameters:,} parameters) "
               f"{'kept' if kept else 'did not keep'} the {teacher_summary.kind} teacher's accuracy "
               f"({100 * student_summary.accuracy:.1f}% vs {100 * teacher_summary.accuracy:.1f}%, "
               f"tolerance {100 * dc.max_accuracy_drop:.1f} points) and agrees with it on "
               f"{100 * student_summary.agreement_with_teacher:.1f}% of test rows.")
    if gap_changes:
        worst = max(gap_changes, key=lambda k: abs(gap_changes[k]))
        reading += (f" Largest change in a group gap: {worst} {gap_changes[worst]:+.3f} "
                    f"(student {student_summary.gaps[worst]:.3f}, teacher {teacher_summary.gaps[worst]:.3f}).")
    if dc.transfer == "full_train" and len(dataset.train) != len(ctx.dataset.train):
        reading += (f" The student learnt from the teacher's outputs on {len(dataset.train):,} training "
                    f"texts (the teacher was trained on {len(ctx.dataset.train):,} of them); the student "
                    "trained alone saw the same texts with their labels.")
    return summaries, DistillationSummary(
        teacher_kind=teacher_summary.kind, student_kind=dc.student, temperature=dc.temperature,
        alpha=dc.alpha, accuracy_change=change, agreement=student_summary.agreement_with_teacher,
        kept_accuracy=kept, gap_changes=gap_changes, reading=reading)


def run_audit(ctx: AuditContext, config: TextModelsAuditConfig) -> TextModelsSection:
    """Compare the trained text model with the majority class and a TF-IDF logistic regression
    and, when asked, distil it into a small student (audited beside a student trained alone)."""
    from audit.text import TRUNCATION_POLICY, text_baselines

    dataset, run = ctx.dataset, ctx.training
    fairness_config = getattr(getattr(ctx.config, "audits", None), "fairness", None)
    if fairness_config is None:
        from audit.fairness import FairnessAuditConfig

        fairness_config = FairnessAuditConfig(enabled=True)
    kind = getattr(getattr(ctx.config, "model", None), "kind", type(ctx.model).__name__)
    role = "teacher" if config.distillation.enabled else "model"
    summary = model_summary(role, kind, ctx.model, dataset, run, ctx.test_scores(),
                            fairness_config, ctx.seed)
    baselines = text_baselines(dataset, seed=ctx.seed) if config.baselines else ()
    summaries, distillation = [summary], None
    if config.distillation.enabled:
        more, distillation = _distillation(ctx, config, summary, fairness_config)
        summaries += more
    notes = []
    majority = next((b for b in baselines if b.name == "majority_class"), None)
    if majority is not None:
        for m in summaries:
            low, high = m.accuracy_interval.low, m.accuracy_interval.high
            if low <= majority.accuracy <= high:
                notes.append(f"The {m.kind} {m.role.replace('_', ' ')}'s accuracy interval "
                             f"[{100 * low:.1f}%, {100 * high:.1f}%] contains the majority-class "
                             f"accuracy ({100 * majority.accuracy:.1f}%): it is not shown to beat "
                             "always answering the most frequent label.")
    text_cfg = getattr(getattr(ctx.config, "data", None), "text", None)
    if text_cfg is not None and any(v is not None for v in (
            text_cfg.max_train_examples, text_cfg.max_test_examples,
            text_cfg.max_validation_examples)):
        notes.append("Stratified subsets were used (data.text.max_*_examples) to keep the run "
                     "short on a CPU; numbers on the full splits will differ.")
    return TextModelsSection(
        task=dataset.name, text=dataset.text, text_pair=dataset.text_pair,
        tokenizer=dataset.tokenizer_name, vocab_size=dataset.vocab_size,
        max_length=dataset.max_length, overflow=dataset.overflow,
        truncation_policy=TRUNCATION_POLICY,
        n_truncated={s: getattr(dataset, s).n_truncated for s in ("train", "validation", "test")},
        n_examples={s: len(getattr(dataset, s)) for s in ("train", "validation", "test")},
        baselines=baselines, models=tuple(summaries), distillation=distillation, notes=tuple(notes))
