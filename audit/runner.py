"""Config-driven audit runs: load data, train, audit, collect one :class:`AuditResult`."""

from __future__ import annotations

import importlib.metadata
import platform
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

import audit
from audit.config import AuditConfig
from audit.data import TabularDataset, build_tabular_dataset, load_adult
from audit.data._tabular import DataSource
from audit.errors import ConfigError
from audit.models import build_model, predict_proba, save_model
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
from audit.training import TrainingRun, fit, seed_everything

_VERSIONED = ("torch", "opacus", "fairlearn", "captum", "scikit-learn", "numpy", "pandas")


@dataclass(frozen=True)
class AuditRun:
    """An audit's result plus the live objects an API user may want to keep using."""

    result: AuditResult
    dataset: TabularDataset
    training: TrainingRun
    model_dir: Path


def library_versions() -> dict[str, str]:
    """Versions of Python and the libraries whose numbers the audit relies on."""
    versions = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def load_dataset(config: AuditConfig) -> TabularDataset:
    """Load the table named by ``config.data``."""
    data = config.data
    if data.loader == "adult":
        return load_adult(data.path, sensitive_features=data.sensitive_features,
                          sensitive_bins=data.sensitive_bins or None,
                          use_sensitive_as_features=data.use_sensitive_as_features,
                          validation_fraction=data.validation_fraction, seed=config.seed)
    missing = [k for k in ("train_path", "test_path") if getattr(data, k) is None]
    if missing:
        raise ConfigError(f"data.{missing[0]}", "a CSV path when data.loader is 'csv'", "nothing",
                          f"add data.{missing[0]}: path/to/file.csv to the config")
    frames = []
    for key in ("train_path", "test_path"):
        path = getattr(data, key)
        if not Path(path).is_file():
            raise ConfigError(f"data.{key}", "an existing CSV file", str(path), "check the path")
        frames.append(pd.read_csv(path))
    return build_tabular_dataset(
        frames[0], frames[1], target=data.target, positive_label=data.positive_label,
        sensitive_features=data.sensitive_features, numeric=data.numeric,
        categorical=data.categorical, drop_columns=data.drop_columns,
        sensitive_bins=data.sensitive_bins, use_sensitive_as_features=data.use_sensitive_as_features,
        validation_fraction=data.validation_fraction, seed=config.seed,
        name=Path(data.train_path).stem, source=DataSource(name=str(data.train_path)),
    )


def _data_info(ds: TabularDataset) -> DataInfo:
    return DataInfo(
        name=ds.name, source=ds.source.name, citation=ds.source.citation,
        license=ds.source.license, target=ds.target, positive_label=ds.positive_label,
        sensitive_features=ds.sensitive_features, features=tuple(ds.feature_groups),
        n_encoded_features=ds.n_features, n_train=len(ds.train), n_validation=len(ds.validation),
        n_test=len(ds.test), base_rate_train=float(ds.train.y.mean()),
        base_rate_test=float(ds.test.y.mean()),
    )


def _enabled_concerns(config: AuditConfig) -> list:
    """``(result section name, audit module, its config)`` for each enabled concern."""
    import importlib

    triples = [("privacy", "audit.privacy._audit", config.audits.privacy),
               ("fairness", "audit.fairness._audit", config.audits.fairness),
               ("explainability", "audit.explain._audit", config.audits.explainability),
               ("robustness", "audit.robustness._audit", config.audits.robustness),
               ("error_analysis", "audit.error_analysis._audit", config.audits.error_analysis),
               ("counterfactuals", "audit.counterfactuals._audit", config.audits.counterfactuals)]
    return [(name, importlib.import_module(module), cfg) for name, module, cfg in triples
            if cfg.enabled]


def _concern_kwargs(name: str, config: AuditConfig, dataset: TabularDataset,
                    training: TrainingRun) -> dict:
    """Extra arguments a concern's ``run_audit`` needs beyond (dataset, model, config, seed)."""
    if name != "privacy":
        return {}
    tc = config.training

    def build_model():
        return _build(config, dataset)

    return {"spend": training.privacy, "build_model": build_model, "privacy": tc.privacy,
            "fit_kwargs": {"epochs": tc.epochs, "batch_size": tc.batch_size,
                           "optimizer": tc.optimizer, "learning_rate": tc.learning_rate,
                           "weight_decay": tc.weight_decay, "device": tc.device}}


def _build(config: AuditConfig, dataset: TabularDataset):
    return build_model(config.model.kind, input_width=dataset.n_features,
                       hidden_sizes=config.model.hidden_sizes, dropout=config.model.dropout)


def run_audit(config: AuditConfig, *, output_dir: str | Path | None = None,
              progress: bool = True) -> AuditRun:
    """Run the audit described by ``config``: load, train, audit, judge its policy gates,
    save the model.

    The model is saved under ``output_dir/model``; writing ``result.json`` and the report is
    left to the caller (``rai-audit run`` does both, atomically).

    Returns
    -------
    AuditRun
    """
    if config.data.loader == "text":  # texts, tokenizers and text models: audit.text
        from audit.text import run_text_audit

        return run_text_audit(config, output_dir=output_dir, progress=progress)
    timings: dict[str, float] = {}
    out = Path(output_dir if output_dir is not None else config.output_dir)
    tick = time.perf_counter()
    dataset = load_dataset(config)
    timings["data_seconds"] = time.perf_counter() - tick
    data_sections = {}
    if config.audits.data_privacy.enabled:  # on the data alone, before any training
        from audit.data_privacy import scan_for_config

        tick = time.perf_counter()
        data_sections["data_privacy"] = scan_for_config(config)
        timings["data_privacy_seconds"] = time.perf_counter() - tick

    seed_everything(config.seed)
    model = _build(config, dataset)
    tc = config.training
    concerns = _enabled_concerns(config)
    callbacks = [cb for _, module, section_config in concerns
                 for cb in module.training_callbacks(dataset, section_config, config.seed)]
    training = fit(model, dataset.train.to_torch(), validation=dataset.validation.to_torch(),
                   epochs=tc.epochs, batch_size=tc.batch_size, optimizer=tc.optimizer,
                   learning_rate=tc.learning_rate, weight_decay=tc.weight_decay,
                   seed=config.seed, device=tc.device, privacy=tc.privacy,
                   callbacks=callbacks, progress=progress)
    timings["training_seconds"] = training.seconds
    model_dir = save_model(training.model, out / "model", kind=config.model.kind,
                           extra={"preprocessing": dataset.preprocessor.to_dict()})

    tick = time.perf_counter()
    quality = None
    if config.audits.quality:
        scores = predict_proba(training.model, dataset.test.X)
        quality = model_quality(dataset.test.y, scores, split="test")
    timings["quality_seconds"] = time.perf_counter() - tick
    sections = dict(data_sections)
    for name, module, section_config in concerns:
        tick = time.perf_counter()
        sections[name] = module.run_audit(dataset, training.model, section_config, config.seed,
                                          **_concern_kwargs(name, config, dataset, training))
        timings[f"{name}_seconds"] = time.perf_counter() - tick
    if training.privacy is not None and "privacy" not in sections:
        from audit.privacy._audit import privacy_notes

        sections["privacy"] = PrivacySection(spend=training.privacy,
                                             notes=privacy_notes(training.privacy, None))

    device = str(next(training.model.parameters()).device)
    metadata = RunMetadata(
        run_name=config.name,
        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        seed=config.seed, rai_audit_version=audit.__version__,
        library_versions=library_versions(), data=_data_info(dataset),
        model=ModelInfo(kind=config.model.kind,
                        n_parameters=sum(p.numel() for p in training.model.parameters()),
                        architecture=str(training.model), weights_path=model_dir.name),
        training=TrainingInfo(
            epochs=tc.epochs, epochs_completed=training.epochs_completed,
            batch_size=tc.batch_size, optimizer=tc.optimizer, learning_rate=tc.learning_rate,
            device=device, seconds=training.seconds, private=training.privacy is not None,
            stopped_early=training.stopped_early, stop_reason=training.stop_reason),
        card=ModelCardInfo(**config.card.model_dump()),
        timings=timings,
    )
    result = AuditResult(metadata=metadata, quality=quality, history=training.history,
                         **sections)
    if config.policy.gates:
        from dataclasses import replace

        from audit.policy import evaluate_policy

        result = replace(result, policy=evaluate_policy(result, config.policy))
    return AuditRun(result=result, dataset=dataset, training=training, model_dir=model_dir)


def headline(result: AuditResult) -> list[str]:
    """Short lines with the numbers a person wants first (printed by the CLI)."""
    lines = [f"run {result.metadata.run_name!r}: {result.metadata.data.name}, "
             f"{result.metadata.data.n_train} train / {result.metadata.data.n_test} test rows"]
    q = result.quality
    if q is not None:
        lines.append(f"test accuracy {q.accuracy:.4f} (95% CI {q.accuracy_interval.low:.4f}-"
                     f"{q.accuracy_interval.high:.4f}), ROC AUC {q.roc_auc:.4f}, "
                     f"balanced accuracy {q.balanced_accuracy:.4f}")
    spend = result.privacy.spend if result.privacy is not None else None
    if spend is not None:
        others = ", ".join(f"{k} {v:.3f}" for k, v in spend.epsilons.items() if k != spend.accountant)
        lines.append(f"privacy: epsilon {spend.epsilon:.3f} at delta {spend.delta:g} "
                     f"({spend.accountant}; {others}), noise {spend.noise_multiplier:.3f}, "
                     f"clip {spend.max_grad_norm:g}, {spend.grad_sample_mode}")
    elif result.privacy is not None:
        lines.append("privacy: trained without DP (no formal guarantee)")
    membership = result.privacy.membership if result.privacy is not None else None
    if membership is not None:
        for name, attack in membership.attacks.items():
            lines.append(f"membership inference {name}: AUC {attack.auc:.3f} "
                         f"[{attack.auc_interval.low:.3f}, {attack.auc_interval.high:.3f}], "
                         f"TPR@1%FPR {attack.tpr_at_fpr['0.01']:.4f}")
        if membership.empirical_epsilon is not None:
            lines.append(f"empirical epsilon lower bound {membership.empirical_epsilon.epsilon_lower_bound:.3f} "
                         f"({membership.empirical_epsilon_attack}, "
                         f"{membership.confidence:.0%} confidence)")
    data_privacy = getattr(result, "data_privacy", None)
    if data_privacy is not None:
        a, g = data_privacy.anonymity, data_privacy.generalisation
        lines.append(f"data privacy: k = {a.k} on {len(a.quasi_identifiers)} quasi-identifiers, "
                     f"{a.unique_share:.1%} of rows unique"
                     + (f"; k = {g.k_target} {'reached' if g.reached else 'NOT reached'} with NCP "
                        f"{g.ncp:.3f}, {g.suppressed_share:.2%} rows suppressed" if g is not None else ""))
    cf = getattr(result, "counterfactuals", None)
    if cf is not None:
        gaps = [g for g in cf.gaps if g.measure == "mean_cost"]
        worst = max(gaps, key=lambda g: g.value) if gaps else None
        lines.append(f"counterfactuals: {cf.n_rows_found:,} of {cf.n_rows_searched:,} rows flippable, "
                     f"{cf.mean_per_row:.2f} per row, all verified"
                     + (f"; largest recourse cost gap {worst.value:.3f} over {worst.sensitive_feature} "
                        f"(costliest {worst.worst_group})" if worst is not None else ""))
    robustness = getattr(result, "robustness", None)
    if robustness is not None and robustness.counterfactual:
        lines.append("robustness: decisions flipped when only " + "; ".join(
            f"{c.feature} changes {100 * c.overall.rate:.2f}% [{100 * c.overall.interval.low:.2f}%, "
            f"{100 * c.overall.interval.high:.2f}%]" for c in robustness.counterfactual))
    lines.append(f"training {result.metadata.training.seconds:.1f} s on "
                 f"{result.metadata.training.device}, {result.metadata.training.epochs_completed} epochs")
    return lines


__all__ = ["AuditRun", "headline", "library_versions", "load_dataset", "run_audit"]
