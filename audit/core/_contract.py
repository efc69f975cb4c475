"""The audit contract: what every concern (fairness, privacy, explainability, ...) provides.

A concern is one :class:`Audit` subclass registered with :func:`audit.core.register_audit`.
Its ``slug`` is the one name used everywhere: the config key (``audits.<slug>``), the result
section (``result.sections[slug]``, also ``result.<slug>``), the gate-metric prefix
(``<slug>.metric``), the report section id and the dashboard page. Everything else (config
schema, result schema, runner, policy metrics, report, dashboard navigation, ``rai-audit
audits``) is derived from the registry, so adding a concern is one package plus, optionally,
its report template and dashboard page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np

Modality = Literal["tabular", "text", "predictions"]
Phase = Literal["data", "model"]
MODALITIES: tuple[Modality, ...] = ("tabular", "text", "predictions")


@dataclass
class AuditContext:
    """Everything an audit may read, so that no audit needs arguments of its own.

    Built by the runner (:func:`audit.runner.run_audit`) or by the Python API. Audits read it and
    never change it; expensive shared readings (the model's test scores) are computed once.

    Attributes
    ----------
    modality : {"tabular", "text", "predictions"}
        What kind of data the run audits.
    seed : int
        The run's seed; every audit derives its randomness from it.
    dataset : object
        The loaded data (:class:`audit.data.TabularDataset` or :class:`audit.text.TextDataset`).
    config : object or None
        The whole run config (:class:`audit.config.AuditConfig`) when the run came from one.
    model : torch.nn.Module or None
        The trained model; None in the data phase (before training).
    training : object or None
        The :class:`audit.training.TrainingRun` (history, privacy spend), None before training.
    build_model : callable or None
        A factory of a fresh, untrained model of the audited architecture (reference models,
        mitigation retrains).
    fit_kwargs : dict
        The audited model's own training settings, for retrains (:func:`audit.training.fit`).
    privacy : object or None
        The DP settings of the run (:class:`audit.dp.PrivacyConfig`), None when not private.
    predict : callable or None
        ``predict(split) -> P(positive class)`` for a split of ``dataset`` (used when there is
        no ``adapter``).
    adapter : object or None
        The :class:`audit.models.ModelAdapter` of the audited model, bound to ``dataset``: what
        the model can give (``adapter.capabilities``), P(positive) for raw rows and splits,
        the model as a torch module over encoded rows (``adapter.module``).
    extras : dict
        Modality-specific objects (e.g. the tokenizer of a text run).
    """

    modality: Modality
    seed: int
    dataset: Any
    config: Any = None
    model: Any = None
    training: Any = None
    build_model: Callable[[], Any] | None = None
    fit_kwargs: dict[str, Any] = field(default_factory=dict)
    privacy: Any = None
    predict: Callable[[Any], np.ndarray] | None = None
    adapter: Any = None
    output_dir: Path | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def spend(self) -> Any:
        """The DP spend of the training run (None when not private or not trained yet)."""
        return None if self.training is None else self.training.privacy

    def test_scores(self) -> np.ndarray:
        """The model's P(positive class) on the test split (through the adapter when there is
        one), computed once per context."""
        if "test_scores" not in self._cache:
            predict = self.adapter.predict_proba if self.adapter is not None else self.predict
            if predict is None:
                raise RuntimeError("this audit context has no model to score the test split")
            self._cache["test_scores"] = np.clip(predict(self.dataset.test), 0.0, 1.0)
        return self._cache["test_scores"]

    @property
    def audited_model(self) -> Any:
        """The model as a torch module over the dataset's encoded rows with ``(n, 2)`` logits
        (``adapter.module``; the user's own module when it already is that), else ``model``."""
        return self.adapter.module if self.adapter is not None else self.model

    @property
    def capabilities(self) -> frozenset[str]:
        """What the audited model can give (:data:`audit.models.CAPABILITIES`); every one when
        the context has a plain torch ``model`` and no adapter."""
        if self.adapter is not None:
            return self.adapter.capabilities
        return frozenset({"proba", "logits", "gradients", "per_example_loss", "trainer"})


class Audit:
    """Base class of every concern's audit (subclass it and register an instance).

    Class attributes
    ----------------
    slug : str
        The one name of the concern (a Python identifier).
    title : str
        Human title shown in the report, the dashboard and ``rai-audit audits``.
    config_type : type
        The pydantic config model (the ``audits.<slug>`` block and the Python API's config);
        it must have an ``enabled: bool`` field.
    section_type : type
        The result section type (a :func:`audit.result.schema_dataclass`).
    modalities : tuple
        The modalities the audit can run on; an enabled audit on another modality is refused
        when the run is validated.
    phase : {"data", "model"}
        ``data`` audits run on the data before training (cheap, fail fast); ``model`` audits
        after training.
    cost : int
        Order of model-phase audits: cheaper first, so a doomed run fails early.
    position : int
        Where the audit appears in the report, the dashboard and ``rai-audit audits``.
    legacy_result_keys : tuple of str
        Top-level keys under which schema-1.x results stored this section.
    requires : frozenset of str
        What the audit needs from the model (names of :data:`audit.models.CAPABILITIES`:
        ``proba``, ``logits``, ``gradients``, ``per_example_loss``, ``trainer``); an enabled
        audit whose model lacks one is refused when the run is validated, before any audit
        runs. :meth:`requirements` may refine it from the audit's config.
    """

    slug: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str] = ""
    config_type: ClassVar[type]
    section_type: ClassVar[type]
    modalities: ClassVar[tuple[Modality, ...]] = ("tabular",)
    phase: ClassVar[Phase] = "model"
    cost: ClassVar[int] = 10
    position: ClassVar[int] = 100
    legacy_result_keys: ClassVar[tuple[str, ...]] = ()
    requires: ClassVar[frozenset[str]] = frozenset({"proba"})

    def requirements(self, config: Any) -> frozenset[str]:
        """What the audit needs from the model with this config (default: :attr:`requires`)."""
        return self.requires

    def capability_fix(self, missing: frozenset[str], config: Any) -> str:
        """How to run without ``missing`` capabilities (the fix of the refusal)."""
        return f"set audits.{self.slug}.enabled: false, or audit a model that gives them"

    def problems(self, ctx: AuditContext, config: Any) -> Sequence[Any]:
        """Problems (:class:`audit.errors.Problem`) found before training; none by default."""
        return ()

    def callbacks(self, ctx: AuditContext, config: Any) -> list[Any]:
        """Training callbacks that observe each epoch (none by default)."""
        return []

    def run(self, ctx: AuditContext, config: Any) -> Any:
        """Run the audit and return its section (an instance of ``section_type``)."""
        raise NotImplementedError

    def free_section(self, ctx: AuditContext) -> Any:
        """A section to record when the audit is disabled but the run measured it anyway
        (privacy: the DP spend of a private training run); None by default."""
        return None

    def upgrade_section(self, raw: dict[str, Any], major: int) -> dict[str, Any]:
        """This audit's section as written by schema major version ``major`` (raw JSON), in
        the layout of the next major version; unchanged by default."""
        return raw

    def headline(self, section: Any) -> list[str]:
        """Short lines for the command line's summary (none by default)."""
        return []

    def example_config(self) -> Any:
        """An enabled config for the contract battery (default: ``config_type(enabled=True)``)."""
        return self.config_type(enabled=True)

    def __repr__(self) -> str:
        return f"<Audit {self.slug!r}>"
