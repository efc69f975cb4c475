"""Governance documentation: a technical-documentation outline built from the config's card
fields and the audit result, exported as Markdown and as a section of the HTML report.

:func:`governance_sections` builds a plain structure (no HTML, no Markdown): headed sections of
labelled items, sentences and small tables, each stating the EU AI Act Annex IV heading(s) it
helps document. The mapping is an aid for finding information, not a legal assessment:
nothing here claims compliance with any regulation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from audit._io import atomic_write_text
from audit.result import AuditResult

#: Shown wherever the mapping is shown.
DISCLAIMER = ("The Annex IV column maps each section to the EU AI Act (Regulation (EU) 2024/1689) "
              "Annex IV technical-documentation heading it helps to fill. It is an aid for finding "
              "information, not a legal assessment: this document does not claim compliance with "
              "the AI Act or any other regulation, and several headings need information an audit "
              "cannot produce.")

#: Annex IV headings (abridged) by point.
ANNEX_IV = {
    "1": "General description of the AI system (intended purpose, provider, version, software)",
    "2": "Detailed description of the elements of the AI system and of its development process",
    "2(a)-(c)": "Development methods, design choices, system architecture",
    "2(d)": "Data requirements: datasheets of the training data (provenance, scope, selection)",
    "2(e)": "Assessment of the human oversight measures (Article 14)",
    "2(g)": "Validation and testing: data, metrics of accuracy, robustness, discriminatory impact",
    "3": "Monitoring, functioning and control: capabilities, limitations, accuracy for groups, "
         "foreseeable risks, human oversight",
    "4": "Appropriateness of the performance metrics",
    "5": "Risk management system (Article 9)",
    "6": "Relevant changes through the lifecycle",
    "7": "Harmonised standards applied, or solutions adopted instead",
    "8": "EU declaration of conformity",
    "9": "Post-market performance evaluation and monitoring plan",
}

NOT_STATED = "Not stated in the config (card section)."


@dataclass
class GovSection:
    """One section of the documentation (plain data)."""

    id: str
    title: str
    annex_iv: tuple[str, ...]
    items: list[tuple[str, str]] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    table: tuple[tuple[str, ...], list[tuple[str, ...]]] | None = None

    @property
    def annex_text(self) -> str:
        return ", ".join(self.annex_iv)


def _num(value: float, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "undefined"
    if isinstance(value, float) and math.isinf(value):
        return "infinite"
    return f"{value:.{digits}f}"


def _ci(interval, digits: int = 4) -> str:
    if interval is None or interval.low != interval.low:
        return ""
    return f" [{_num(interval.low, digits)}, {_num(interval.high, digits)}]"


def _pct(fr) -> str:
    return (f"{100 * fr.rate:.2f}% ({fr.flips:,} of {fr.n:,}; 95% CI {100 * fr.interval.low:.2f}%-"
            f"{100 * fr.interval.high:.2f}%)")


def _general(r: AuditResult) -> GovSection:
    m, c = r.metadata, r.metadata.card
    return GovSection("gov-general", "General description and intended purpose", ("1",), items=[
        ("System", f"{m.run_name}: a {m.model.kind} classifier predicting {m.data.target} = "
                   f"{m.data.positive_label}"),
        ("Version", c.version or f"not stated (run created {m.created_at}, seed {m.seed})"),
        ("Intended use", c.intended_use or NOT_STATED),
        ("Out-of-scope uses", c.out_of_scope_use or NOT_STATED),
        ("Provider / owners", c.owners or NOT_STATED),
        ("Contact", c.contact or NOT_STATED),
        ("Software", f"rai-audit {m.rai_audit_version}; " + ", ".join(
            f"{k} {v}" for k, v in m.library_versions.items())),
    ])


def _development(r: AuditResult) -> GovSection:
    m = r.metadata
    t = m.training
    return GovSection("gov-development", "Development process and design", ("2(a)-(c)",), items=[
        ("Model", f"{m.model.kind}, {m.model.n_parameters:,} parameters"),
        ("Architecture", " ".join(m.model.architecture.split())),
        ("Training", t.note if t.audited_as_given else
                     f"{t.optimizer}, learning rate {t.learning_rate:g}, batch {t.batch_size}, "
                     f"{t.epochs_completed} of {t.epochs} epochs on {t.device}, "
                     f"{'DP-SGD' if t.private else 'non-private'}"
                     + (f"; stopped early: {t.stop_reason}" if t.stopped_early else "")),
        ("Reproducibility", f"seed {m.seed}; the same config and seed give the same numbers"),
    ])


def _data(r: AuditResult) -> GovSection:
    m, c = r.metadata, r.metadata.card
    d = m.data
    return GovSection("gov-data", "Training data and its licence", ("2(d)",), items=[
        ("Data", c.training_data or f"{d.name} ({d.source})"),
        ("Licence", c.data_license or d.license or "not stated"),
        ("Citation", d.citation or "not stated"),
        ("Rows", f"{d.n_train:,} train, {d.n_validation:,} validation (held out from train), "
                 f"{d.n_test:,} test"),
        ("Target", f"{d.target} = {d.positive_label}; base rate {d.base_rate_train:.3f} train, "
                   f"{d.base_rate_test:.3f} test"),
        ("Sensitive features", ", ".join(d.sensitive_features) or "none"),
        ("Features", f"{', '.join(d.features)} ({d.n_encoded_features} encoded columns)"),
    ])


def _data_scan_items(scan) -> list[tuple[str, str]]:
    """Summary of the data privacy scan section (read defensively: it is optional)."""
    items = []
    anon = getattr(scan, "anonymity", None)
    if anon is not None:
        qis = ", ".join(getattr(anon, "quasi_identifiers", ())) or "none"
        k = getattr(anon, "k", None)
        risk = getattr(anon, "prosecutor_risk_max", None)
        items.append(("Data scan: k-anonymity",
                      f"k = {k} on quasi-identifiers {qis}"
                      + (f"; highest re-identification (prosecutor) risk {_num(risk, 3)}"
                         if isinstance(risk, float) else "")))
    text = getattr(scan, "text", ())
    if text:
        items.append(("Data scan: text", f"{len(text)} text column(s) scanned for personal data"))
    if not items:
        items.append(("Data scan", "run; see the report's data privacy section"))
    return items


def _privacy(r: AuditResult) -> GovSection:
    c = r.metadata.card
    items: list[tuple[str, str]] = []
    spend = r.privacy.spend if r.privacy is not None else None
    if spend is not None:
        items.append(("Differential privacy", (
            f"DP-SGD: epsilon {_num(spend.epsilon, 3)} at delta {spend.delta:g} ({spend.accountant} "
            f"accountant), noise multiplier {_num(spend.noise_multiplier, 3)}, clipping norm "
            f"{spend.max_grad_norm:g}, sample rate {spend.sample_rate:g}, {spend.steps:,} steps, "
            f"{spend.grad_sample_mode}")))
    else:
        items.append(("Differential privacy", "not used: the model carries no formal privacy guarantee"))
    membership = r.privacy.membership if r.privacy is not None else None
    if membership is not None and membership.attacks:
        worst = max(membership.attacks.values(), key=lambda a: a.auc)
        text = (f"strongest attack {worst.name}: AUC {_num(worst.auc, 3)}{_ci(worst.auc_interval, 3)} "
                f"({membership.n_members:,} members, {membership.n_nonmembers:,} non-members)")
        if membership.empirical_epsilon is not None:
            text += (f"; empirical epsilon lower bound "
                     f"{_num(membership.empirical_epsilon.epsilon_lower_bound, 3)}")
        items.append(("Membership inference test", text))
    scan = getattr(r, "data_privacy", None)
    if scan is not None:
        items += _data_scan_items(scan)
    else:
        items.append(("Data scan", "not run in this audit"))
    items.append(("Other measures", c.privacy_measures or NOT_STATED))
    return GovSection("gov-privacy", "Data privacy measures", ("2(d)", "2(g)"), items=items)


def _performance(r: AuditResult) -> GovSection:
    q = r.quality
    if q is None:
        return GovSection("gov-performance", "Validation and testing: performance", ("2(g)", "3"),
                          sentences=["Model quality was not evaluated in this run."])
    return GovSection("gov-performance", "Validation and testing: performance", ("2(g)", "3"), items=[
        ("Test split", f"{q.n:,} rows held out from training, decision threshold {q.threshold:g}"),
        ("Accuracy", f"{_num(q.accuracy)}{_ci(q.accuracy_interval)} (95% Wilson interval)"),
        ("Balanced accuracy", _num(q.balanced_accuracy)),
        ("ROC AUC", _num(q.roc_auc)),
        ("Precision / recall", f"{_num(q.precision)} / {_num(q.recall)}"),
    ])


def _fairness(r: AuditResult) -> GovSection:
    f = r.fairness
    section = GovSection("gov-fairness", "Fairness evaluation", ("2(g)", "3"))
    if f is None:
        section.sentences.append("The fairness audit was not run.")
        return section
    rows = []
    for p in f.partitions:
        by = {d.name: d for d in p.disparities}
        cells = []
        for name in ("demographic_parity_difference", "equalized_odds_difference"):
            d = by.get(name)
            cells.append("n/a" if d is None else f"{_num(d.value, 3)}{_ci(d.interval, 3)} {d.verdict}")
        rows.append((p.name, str(len(p.groups)), *cells))
    section.sentences.append(
        f"Measured on the {f.split} split ({f.n_rows:,} rows) at threshold {f.threshold:g}, with "
        f"{f.confidence_level:.0%} bootstrap intervals; disparities follow fairlearn's definitions.")
    section.table = (("Features", "Groups", "Demographic parity difference", "Equalized odds difference"),
                     rows)
    section.sentences += list(f.reading[:4])
    if f.mitigation:
        section.sentences.append(f"{len(f.mitigation)} mitigation(s) were tried; see the fairness section.")
    return section


def _robustness(r: AuditResult) -> GovSection:
    s = getattr(r, "robustness", None)
    section = GovSection("gov-robustness", "Robustness and controllability", ("2(g)", "3"))
    if s is None:
        section.sentences.append("The robustness checks were not run.")
        return section
    rows = [(c.feature, c.change, _pct(c.overall)) for c in s.counterfactual]
    rows += [("noise", f"{n.scale:g} SD on numeric inputs", _pct(n.overall)) for n in s.noise]
    rows += [(p.feature, p.change, _pct(p.overall)) for p in s.perturbations[:3]]
    section.table = (("Input changed", "Change", "Decisions flipped"), rows)
    ts = s.threshold_sensitivity
    if ts is not None:
        acc = next((c for c in ts.curves if c.metric == "accuracy"), None)
        if acc is not None:
            section.sentences.append(
                f"Accuracy ranges from {acc.low:.3f} to {acc.high:.3f} over decision thresholds "
                f"{ts.thresholds[0]:g}-{ts.thresholds[-1]:g} ({acc.at_operating:.3f} at "
                f"{ts.operating_threshold:g}).")
    if s.text is not None:
        section.sentences.append(f"Identity terms in text: decisions differ between terms on "
                                 f"{_pct(s.text.overall)} templates.")
    return section


def _limitations(r: AuditResult) -> GovSection:
    c = r.metadata.card
    items = [("Known limitations", c.limitations or NOT_STATED),
             ("Ethical considerations", c.ethical_considerations or NOT_STATED)]
    section = GovSection("gov-limitations", "Known limitations and foreseeable risks", ("3", "5"),
                         items=items)
    if r.fairness is not None:
        small = sorted({f"{g.group} ({p.name}, n={g.size})" for p in r.fairness.partitions
                        for g in p.groups if g.small})
        if small:
            section.sentences.append(f"{len(small)} group(s) are small and their numbers uncertain: "
                                     f"{', '.join(small[:6])}{', ...' if len(small) > 6 else ''}.")
    section.sentences.append("These findings feed a risk management system; the audit is not one.")
    return section


def _oversight(r: AuditResult) -> GovSection:
    return GovSection("gov-oversight", "Human oversight", ("2(e)", "3"),
                      items=[("Oversight measures", r.metadata.card.human_oversight or NOT_STATED)])


def _metrics(r: AuditResult) -> GovSection:
    section = GovSection("gov-metrics", "Appropriateness of the performance metrics", ("4",), sentences=[
        "Every reported metric carries its confidence interval and group size, so a reader can tell a "
        "difference from noise: accuracy with a Wilson interval, fairness disparities with bootstrap "
        "intervals per group and intersection, flip rates with exact Clopper-Pearson intervals, "
        "attack success against membership with DeLong and Clopper-Pearson intervals.",
        "Accuracy alone hides who bears the errors; the fairness and threshold-sensitivity results "
        "show how errors and favourable decisions are shared between groups and how they move with "
        "the decision threshold."])
    if r.policy is not None:
        section.sentences.append(f"Policy gates: {r.policy.status.upper()}.")
        section.table = (("Status", "Gate", "Threshold", "Measured"), [
            (g.status.upper(), g.name, str(g.threshold),
             "not measured" if g.value is None else f"{_num(g.value)}{_ci(g.interval)}")
            for g in r.policy.gates])
    return section


def _lifecycle(r: AuditResult) -> list[GovSection]:
    c = r.metadata.card
    return [
        GovSection("gov-changes", "Changes through the lifecycle", ("6",),
                   items=[("Changes", c.changes or NOT_STATED)]),
        GovSection("gov-standards", "Standards and specifications applied", ("7",), items=[
            ("Standards", c.standards or NOT_STATED),
            ("Methods used by this audit", "model card headings (Mitchell et al., 2019); fairlearn "
             "fairness definitions; opacus DP-SGD accounting; captum attributions")]),
        GovSection("gov-monitoring", "Post-market monitoring", ("9",),
                   items=[("Monitoring plan", c.monitoring or NOT_STATED)]),
    ]


def governance_sections(result: AuditResult) -> list[GovSection]:
    """The documentation as plain sections, in order, each with its Annex IV mapping.

    Examples
    --------
    >>> import pandas as pd
    >>> from audit import audit_predictions
    >>> log = pd.DataFrame({"y": [1, 0, 1, 0] * 50, "p": [.9, .4, .3, .2] * 50,
    ...                     "sex": list("FFMM") * 50})
    >>> result = audit_predictions(log, label="y", score="p", sensitive_features=["sex"])
    >>> [s.title for s in governance_sections(result)][:2]
    ['General description and intended purpose', 'Development process and design']
    """
    return [_general(result), _development(result), _data(result), _privacy(result),
            _performance(result), _fairness(result), _robustness(result), _limitations(result),
            _oversight(result), _metrics(result), *_lifecycle(result)]


def not_covered() -> list[tuple[str, str]]:
    """Annex IV points this documentation does not fill, with why."""
    return [
        ("1(b), 1(d)-(g)", "interaction with hardware and other software, forms of placing on the "
                           "market, hardware, user interface: outside what an audit measures"),
        ("5", "the risk management system itself (this audit supplies inputs to it)"),
        ("8", "the EU declaration of conformity: a legal act of the provider, not produced here"),
    ]


def render_technical_documentation(result: AuditResult) -> str:
    """The technical documentation as Markdown text (user strings escaped)."""
    from audit.result import display_copy
    from reports._model_card import _ENV

    result = display_copy(result)  # bidi/zero-width characters visible, long names cut
    return _ENV.get_template("technical_documentation.md.j2").render(
        r=result, m=result.metadata, sections=governance_sections(result), annex=ANNEX_IV,
        disclaimer=DISCLAIMER, not_covered=not_covered())


def write_technical_documentation(result: AuditResult, path: str | Path) -> Path:
    """Render and write the technical documentation atomically."""
    return atomic_write_text(path, render_technical_documentation(result))


def context(result: AuditResult) -> dict:
    """Template variables for ``templates/_governance.html.j2``."""
    return {"governance": {"sections": governance_sections(result), "annex": ANNEX_IV,
                           "disclaimer": DISCLAIMER, "not_covered": not_covered()}}
