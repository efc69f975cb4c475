"""The audit configuration (``audit.yaml``), validated with pydantic.

Unknown keys are refused with a suggestion (``epocs`` -> ``epochs``); relative paths are read
relative to the config file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from audit._safe_text import MAX_NAME_LENGTH, MAX_TEXT_LENGTH
from audit._yaml import load_yaml
from audit.core import StrictConfig, config_problems, registered_audits, registry_version
from audit.dp import PrivacyConfig
from audit.errors import ConfigError, Problem, RaiAuditError
from audit.policy import PolicyConfig
from audit.text import TextDataConfig, TextModelConfig


class _Strict(StrictConfig):
    # the run's own settings also refuse .nan and .inf where they are read (`learning_rate: .nan`)
    model_config = ConfigDict(allow_inf_nan=False)


#: A name from the config (run, column, label): bounded so reports and legends stay readable.
Name = Annotated[str, Field(max_length=MAX_NAME_LENGTH)]
#: A label value of the target: text, or a number or boolean as YAML reads it (``1``, ``true``).
Label = Annotated[str, Field(max_length=MAX_NAME_LENGTH)] | int | bool
#: Free text of the model card.
CardText = Annotated[str, Field(max_length=MAX_TEXT_LENGTH)]


class DataConfig(_Strict):
    """Which table to audit and what its columns mean."""

    loader: Literal["adult", "csv", "text"] = "adult"
    path: Path | None = Field(None, description="adult: folder of the files (default: shipped "
                                                "copy); csv: one table the tool splits "
                                                "(test_fraction)")
    train_path: Path | None = Field(None, description="csv: training rows")
    test_path: Path | None = Field(None, description="csv: test rows")
    test_fraction: float = Field(0.25, gt=0.0, lt=1.0,
                                 description="csv with path: share of rows held out for the "
                                             "test split (seeded, stratified)")
    target: Name = "income"
    positive_label: Label | None = Field(
        None, description="the label the model's positive output stands for (default: the "
                          "last label in sorted order)")
    favourable_label: Label | None = Field(
        None, description="the favourable outcome every reading follows (default: "
                          "positive_label); a model rai-audit trains learns it as its "
                          "positive class")
    sensitive_features: list[Name] = Field(default_factory=lambda: ["sex", "race", "age"])
    sensitive_bins: dict[Name, list[float]] = Field(default_factory=dict)
    numeric: list[Name] | None = None
    categorical: list[Name] | None = None
    drop_columns: list[Name] = Field(default_factory=list)
    use_sensitive_as_features: bool = True
    validation_fraction: float = Field(0.1, gt=0.0, lt=0.5)
    encoding: str = Field("utf-8", description="csv: codec of the files' bytes (decoded strictly)")
    delimiter: str | None = Field(None, min_length=1, max_length=1,
                                  description="csv: field separator (default: detected)")
    thousands: str | None = Field(None, min_length=1, max_length=1,
                                  description="csv: thousands separator inside numbers, e.g. ','")
    text: TextDataConfig | None = Field(
        None, description="loader 'text': text columns and tokenization (train_path/test_path: CSV or JSONL)")


class ModelConfig(_Strict):
    """Which model to audit: a registered architecture (``kind``), the user's own torch model
    (``factory``), or a plain ``predict_proba`` callable.

    ``factory: "my_package.models:build"`` is called as ``build(info, **options)`` with an
    :class:`audit.models.TableInfo` (``info.input_width``: the width of the encoded rows;
    ``info.categories``: the categories of each categorical column, for embeddings) and returns
    a torch module with 1 or 2 logits. ``fit`` trains it with ``training``; with ``weights``
    (a ``.safetensors`` file) it is loaded and audited as is (no training). ``encode:
    "pkg.mod:fn"`` gives the model its own inputs, ``fn(frame) -> tensor | tuple | dict`` of
    the raw feature columns. ``predict_proba: "pkg.mod:fn"`` audits a callable (``fn(frame)``,
    or ``fn(encode(frame))``, or ``fn(X)`` of the encoded rows with ``inputs: encoded``)
    returning ``(n, 2)`` or ``(n,)`` probabilities; nothing is trained.
    """

    kind: str = "mlp"
    hidden_sizes: list[Annotated[int, Field(gt=0, le=1_000_000)]] = Field(
        default_factory=lambda: [128, 64])
    dropout: float = Field(0.1, ge=0.0, lt=1.0)
    text: TextModelConfig = Field(default_factory=TextModelConfig,
                                  description="kinds lstm, pooling, hf (text data)")
    factory: str | None = Field(None, description="import path of your model factory, "
                                                  "'package.module:build' (tabular data)")
    options: dict[str, Any] = Field(default_factory=dict,
                                    description="keyword arguments of the factory")
    weights: Path | None = Field(None, description="trained weights (.safetensors): audited "
                                                   "as is, no training")
    encode: str | None = Field(None, description="import path of encode(frame) -> the model's "
                                                 "inputs (tensor, tuple or dict)")
    predict_proba: str | None = Field(None, description="import path of a predict_proba "
                                                        "callable to audit (nothing is trained)")
    inputs: Literal["auto", "frame", "encoded"] = Field(
        "auto", description="what predict_proba is called on without encode: the raw frame "
                            "(auto) or the encoded rows")
    positive_index: int | None = Field(None, ge=0, description="output column of the positive "
                                                               "class (K > 2: one vs rest)")

    @property
    def trained_elsewhere(self) -> bool:
        """Whether the audited model is not trained by the run (weights or a callable)."""
        return self.weights is not None or self.predict_proba is not None


class TrainingConfig(_Strict):
    """Arguments of :func:`audit.training.fit`."""

    epochs: int = Field(10, gt=0)
    batch_size: int = Field(256, gt=0)
    optimizer: Literal["adam", "adamw", "sgd"] = "adam"
    learning_rate: float = Field(1e-3, gt=0.0)
    weight_decay: float = Field(0.0, ge=0.0)
    device: str = Field("auto", description="auto (CUDA when present), cpu, cuda, cuda:N or mps "
                                            "(checked against this machine)")
    privacy: PrivacyConfig | None = Field(
        None, description="DP-SGD settings (noise_multiplier or target_epsilon, ...); "
                          "absent: non-private training")


class CardConfig(_Strict):
    """Model-card text shown in the report."""

    intended_use: CardText = ""
    out_of_scope_use: CardText = ""
    limitations: CardText = ""
    owners: CardText = ""
    ethical_considerations: CardText = ""
    version: CardText = Field("", description="model version shown in the card and documentation")
    training_data: CardText = Field("", description="training data description (default: from the loader)")
    data_license: CardText = Field("", description="licence of the training data (default: from the loader)")
    privacy_measures: CardText = Field("", description="data privacy measures beyond DP and the data scan")
    human_oversight: CardText = Field("", description="who reviews decisions and how they can intervene")
    contact: CardText = ""
    changes: CardText = Field("", description="changes since the previous version")
    standards: CardText = Field("", description="standards or specifications applied")
    monitoring: CardText = Field("", description="post-deployment monitoring plan")


class _AuditsBase(_Strict):
    """Which audits to run: ``quality`` plus one block per registered audit (its slug)."""

    quality: bool = True


class _AuditConfigBase(_Strict):
    """A whole audit run. See ``sample_models/census_income/audit.yaml``."""

    name: Name = "audit"
    seed: int = Field(0, ge=0, le=2**32 - 1, description="numpy and scikit-learn take 0 to 2**32 - 1")
    data: DataConfig = Field(default_factory=DataConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    card: CardConfig = Field(default_factory=CardConfig)
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    output_dir: Path = Path("reports/out/audit")


_MODELS: dict[str, Any] = {"version": None}


def config_models() -> tuple[type[BaseModel], type[BaseModel]]:
    """``(AuditConfig, AuditsConfig)`` built from the audit registry (rebuilt when it changes).

    ``AuditsConfig`` has ``quality`` and one field per registered audit, named by its slug and
    typed by its ``config_type``; ``AuditConfig`` is the whole run.
    """
    version = registry_version()
    if _MODELS["version"] != version:
        fields: dict[str, Any] = {
            a.slug: (a.config_type, Field(default_factory=a.config_type, description=a.title))
            for a in registered_audits()}
        audits = create_model("AuditsConfig", __base__=_AuditsBase, __module__=__name__, **fields)
        whole = create_model("AuditConfig", __base__=_AuditConfigBase, __module__=__name__,
                             audits=(audits, Field(default_factory=audits)))
        _MODELS.update(version=version, audit=whole, audits=audits)
    return _MODELS["audit"], _MODELS["audits"]


def __getattr__(name: str) -> Any:
    # AuditConfig and AuditsConfig derive from the registry, so they are built on first use
    if name == "AuditConfig":
        return config_models()[0]
    if name == "AuditsConfig":
        return config_models()[1]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _problems(exc: ValidationError, source: str,
              root: type[BaseModel] | None = None) -> list[Problem]:
    return config_problems(exc, source, root or config_models()[0])


def parse_config(data: dict[str, Any], *, source: str = "config",
                 base_dir: Path | None = None) -> Any:
    """Validate a config mapping; relative paths are resolved against ``base_dir``.

    Raises
    ------
    ConfigError
        Listing every problem (unknown keys with suggestions, wrong types, bad values).
    """
    if not isinstance(data, dict):
        raise ConfigError(source, "a YAML mapping of keys (name, data, model, training, ...)",
                          type(data).__name__, "start from sample_models/census_income/audit.yaml")
    try:
        config = config_models()[0].model_validate(data)
    except ValidationError as exc:
        raise RaiAuditError.from_problems(_problems(exc, source)) from None
    from audit._preflight import check_config  # values each valid alone, wrong together

    check_config(config, source=source)
    if base_dir is None:
        return config

    def resolve(path: Path | None) -> Path | None:
        return path if path is None or path.is_absolute() else (base_dir / path)

    data_cfg = config.data.model_copy(update={
        "path": resolve(config.data.path), "train_path": resolve(config.data.train_path),
        "test_path": resolve(config.data.test_path)})
    model_cfg = config.model.model_copy(update={"weights": resolve(config.model.weights)})
    return config.model_copy(update={"data": data_cfg, "model": model_cfg})


def load_config(path: str | Path) -> Any:
    """Read and validate a YAML config file.

    Examples
    --------
    >>> cfg = load_config("sample_models/census_income/audit.yaml")
    >>> cfg.training.epochs
    10
    """
    path = Path(path)
    data = load_yaml(path)  # strict UTF-8, aliases bounded before they are expanded
    return parse_config(data, source=str(path), base_dir=path.parent)
