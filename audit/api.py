"""One entry point for a model trained anywhere: :func:`audit_model`, and :func:`write_outputs`
for its files.

``audit.audit_model(model, train=..., test=..., target=..., sensitive_features=...)`` audits a
torch module, a Hugging Face classifier, a scikit-learn model or any ``predict_proba`` callable
(through :class:`audit.models.ModelAdapter`) on two DataFrames of raw columns, and returns the
same :class:`audit.result.AuditResult` as ``rai-audit run``: the same sections, report, model
card and policy gates.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from audit.errors import ConfigError, DataValidationError


def _audits_block(audits: Mapping[str, Any] | Iterable[Any] | None) -> dict[str, Any]:
    """``audits`` as the config's ``audits`` mapping (config objects dumped with only the
    fields that were set, so that defaults stay defaults)."""
    from audit.core import registered_audits

    if audits is None:
        return {}
    by_type = {a.config_type: a.slug for a in registered_audits()}
    if isinstance(audits, Mapping):
        items = list(audits.items())
    else:
        items = []
        for cfg in audits:
            if type(cfg) not in by_type:
                raise ConfigError("audits", "a mapping slug -> config, or audit config objects "
                                  f"({', '.join(c.__name__ for c in by_type)})",
                                  type(cfg).__name__, "pass e.g. {'fairness': {'enabled': True}}")
            items.append((by_type[type(cfg)], cfg))
    block = {}
    for slug, cfg in items:
        if hasattr(cfg, "model_dump"):
            cfg = {"enabled": True, **cfg.model_dump(exclude_unset=True)} if type(
                cfg) in by_type else cfg.model_dump(exclude_unset=True)
        block[slug] = cfg
    return block


def _frame(value: Any, name: str) -> pd.DataFrame:
    if isinstance(value, (str, Path)):
        from audit.data import read_table

        return read_table(value)
    if not isinstance(value, pd.DataFrame):
        raise DataValidationError(name, "a pandas DataFrame of raw columns (one row per person), "
                                  "or the path of a CSV, JSON Lines or Parquet file",
                                  type(value).__name__, f"pass {name}=pd.read_csv(...)")
    return value


def _tables(train: Any, test: Any, data: Any, *, target: str, sensitive_features: Sequence[str],
            test_fraction: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """``(train, test, where they came from)``: two tables as given, or one split."""
    if data is not None:
        if train is not None or test is not None:
            raise ConfigError("data", "either data= (one table, split by rai-audit) or "
                              "train= and test=", "both", "pass one of them")
        from audit.data import split_table

        split = split_table(_frame(data, "data"), target=target,
                            sensitive_features=sensitive_features, test_fraction=test_fraction,
                            seed=seed)
        return split.train, split.test, f"the table passed to audit.audit_model ({split.description})"
    if train is None or test is None:
        raise ConfigError("train" if train is None else "test", "train= and test= tables (the "
                          "rows the model was trained on, and rows it never saw), or data= "
                          "(one table that rai-audit splits)", "nothing",
                          "pass train=... and test=..., or data=...")
    return _frame(train, "train"), _frame(test, "test"), "DataFrames passed to audit.audit_model"


def audit_model(
    model: Any,
    *,
    train: pd.DataFrame | str | Path | None = None,
    test: pd.DataFrame | str | Path | None = None,
    target: str,
    sensitive_features: Sequence[str],
    favourable_label: Any = None,
    positive_label: Any = None,
    audits: Mapping[str, Any] | Iterable[Any] | None = None,
    seed: int = 0,
    encode: Callable[[pd.DataFrame], Any] | None = None,
    data: pd.DataFrame | str | Path | None = None,
    test_fraction: float = 0.25,
) -> Any:
    """Audit a model trained anywhere on raw train and test tables.

    Parameters
    ----------
    model : torch.nn.Module, Hugging Face model, object with ``predict_proba``, callable, or
        :class:`audit.models.ModelAdapter`
        The trained model. A torch module may give 1 logit (sigmoid) or 2 logits; without
        ``encode`` it takes the rows as :func:`audit.data.build_tabular_dataset` encodes them
        (numeric columns standardised on the training rows, categorical ones one-hot). A
        callable returns ``(n, 2)`` or ``(n,)`` probabilities for a DataFrame of raw rows (a
        scikit-learn ``Pipeline``, a client of a served model). Pass a ``ModelAdapter`` for
        more (``positive_index`` of a K-class model, a ``trainer`` for LiRA).
    train, test : pandas.DataFrame or path
        Raw rows the model was trained on and rows it never saw (a path: a CSV, JSON Lines or
        Parquet file); every column but ``target`` is a feature (the model sees the sensitive
        columns too when it reads them).
    target : str
        The binary label column.
    sensitive_features : sequence of str
        Columns whose groups are compared (numeric ones with at most 12 values, else bin them
        before calling).
    favourable_label : optional
        The label value that is the favourable outcome (a loan granted, no reoffence). Every
        reading follows it: the worst group is the one given it least often, recourse aims at
        it, robustness counts flips to and from it, mitigation equalises it. When not given,
        it is ``positive_label``: the model's positive class is taken as the good outcome.
    positive_label : optional
        The label the model's positive output stands for (its single logit, column 1 of its
        probabilities, or ``positive_index``); default ``favourable_label``, else the last
        label in sorted order (``1`` of 0/1, ``"yes"`` of no/yes). When it is not the
        favourable label (a recidivism model's P(reoffends): ``positive_label=1,
        favourable_label=0``), the model's P(positive) is read as 1 - P(favourable).
    data : pandas.DataFrame or path, optional
        Instead of ``train`` and ``test``: one table, split by
        :func:`audit.data.split_table` (seeded with ``seed``, stratified on the target and the
        sensitive features). Call ``split_table`` yourself with the same arguments to get the
        same training rows to train on.
    test_fraction : float
        With ``data``: the share of rows in the test split.
    audits : mapping or iterable, optional
        ``{"fairness": {"enabled": True, ...}}`` (slug -> config block or config object), or
        config objects (``FairnessAuditConfig(enabled=True)``; a config object given alone
        is enabled). None: only model quality.
    seed : int
        Seeds every audit (and the validation rows carved from ``train``).
    encode : callable, optional
        ``encode(frame) -> tensor | tuple | dict``: the model's own encoding of raw rows (a
        tuple is passed positionally, ``forward(numeric, categorical)``, a dict by keyword).

    Returns
    -------
    audit.result.AuditResult
        Write it with :func:`write_outputs`; a failed audit is a failed section, the others
        are kept.

    Raises
    ------
    ModelCapabilityError
        Before anything runs, for an enabled audit that needs what the model cannot give
        (counterfactuals' gradient search on a callable, LiRA without a trainer).
    DataValidationError, ConfigError, ModelInputMismatchError, ModelOutputError
        Bad tables, audit settings or a model that rejects the rows (two rows are scored
        before any audit runs).

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> frame = pd.DataFrame({"score": rng.normal(size=400), "sex": rng.choice(["f", "m"], 400)})
    >>> frame["approved"] = np.where(frame["score"] + rng.normal(size=400) > 0, "yes", "no")
    >>> train, test = frame[:300], frame[300:]
    >>> clf = LogisticRegression().fit(train[["score"]], train["approved"])
    >>> result = audit_model(lambda f: clf.predict_proba(f[["score"]]), train=train,
    ...                      test=test, target="approved", sensitive_features=["sex"],
    ...                      favourable_label="yes",
    ...                      audits={"fairness": {"enabled": True}})
    >>> d = result.fairness.partitions[0].disparities[0]
    >>> d.name, round(d.value, 2), d.verdict, d.conclusive
    ('demographic_parity_difference', 0.14, 'fail', False)
    >>> sorted(write_outputs(result, Path(tempfile.mkdtemp()) / "out"))
    ['model_card', 'report', 'result']
    """
    from audit._preflight import check_before_training
    from audit.config import parse_config
    from audit.core import AuditContext
    from audit.data import DataSource, build_tabular_dataset
    from audit.errors import raise_problems
    from audit.model_setup import capability_problems
    from audit.models import ModelAdapter
    from audit.pipelines import TabularPipeline
    from audit.runner import audit_phase, enabled_audits, run_section

    train, test, where = _tables(train, test, data, target=target,
                                 sensitive_features=list(sensitive_features),
                                 test_fraction=test_fraction, seed=int(seed))
    favourable = favourable_label if favourable_label is not None else positive_label
    config = parse_config({
        "name": "audit_model", "seed": int(seed),
        "data": {"loader": "csv", "target": target,
                 "positive_label": None if favourable is None else str(favourable),
                 "sensitive_features": list(sensitive_features)},
        "audits": _audits_block(audits)}, source="audit_model")
    if isinstance(model, ModelAdapter):
        if encode is not None:
            raise ConfigError("encode", "encode given once: to the ModelAdapter or here",
                              "both an adapter and encode=", "pass encode to ModelAdapter")
        adapter = model
    else:
        adapter = ModelAdapter(model, encode=encode)
    audits_ = enabled_audits(config)
    raise_problems(capability_problems(audits_, adapter.capabilities, adapter.description))

    timings: dict[str, float] = {}
    tick = time.perf_counter()
    dataset = build_tabular_dataset(
        train, test, target=target, sensitive_features=list(sensitive_features),
        positive_label=positive_label if positive_label is not None else favourable_label,
        favourable_label=favourable_label, seed=int(seed), name="table",
        source=DataSource(name=where))
    timings["data_seconds"] = time.perf_counter() - tick
    adapter = adapter.bind(dataset, columns=[c for c in train.columns if c != target])
    adapter.check(dataset.test.raw)
    ctx = AuditContext(
        modality="tabular", seed=int(seed), dataset=dataset, config=config,
        model=adapter.model if adapter.kind != "callable" else None, adapter=adapter,
        extras={"raw_table": pd.concat([train, test], ignore_index=True),
                "raw_table_source": "train + test rows passed to audit_model",
                "progress": False})
    raise_problems(p for a, cfg in audits_ for p in a.problems(ctx, cfg))
    warnings = check_before_training(config, dataset)  # bad settings fail here, in seconds
    records = {a.slug: run_section(a, ctx, cfg) for a, cfg in audits_ if a.phase == "data"}
    return audit_phase(ctx, audits_, records, timings, TabularPipeline(), warnings=warnings)


def write_outputs(result: Any, folder: str | Path) -> dict[str, Path]:
    """Write ``result.json``, ``report.html`` and ``model_card.md`` into ``folder``, all or
    nothing.

    Everything is rendered first, written into a staging folder beside ``folder``, and swapped
    in at the end (:func:`audit._staging.staged_output`, as ``rai-audit run`` does): a failure
    leaves ``folder`` as it was, and readers never see a mix of two runs. The model folder the
    result names (``result.metadata.model.weights_path``, e.g. ``model/`` written there by
    :func:`audit.runner.run_audit`) is kept; files rai-audit did not write are never touched.

    Returns
    -------
    dict
        ``{"result": path, "report": path, "model_card": path}``.

    Raises
    ------
    OutputPathError, OutputLockedError, DiskFullError
        The folder cannot be written, another run holds it, or the disk is full.
    """
    import shutil

    from audit._staging import staged_output
    from audit.result import result_to_json
    from reports import render_model_card, render_report

    folder = Path(folder)
    files = {"report": ("report.html", render_report(result)),
             "model_card": ("model_card.md", render_model_card(result)),
             "result": ("result.json", result_to_json(result))}
    with staged_output(folder) as stage:
        weights = result.metadata.model.weights_path
        if weights and (folder / weights).is_dir():
            shutil.copytree(folder / weights, stage / weights)
        for name, text in files.values():
            (stage / name).write_text(text, encoding="utf-8")
    return {key: folder / name for key, (name, _) in files.items()}


__all__ = ["audit_model", "write_outputs"]
