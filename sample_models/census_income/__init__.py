"""Census-income sample: an MLP on UCI Adult trained by ``audit.training.fit``.

>>> from sample_models.census_income import train, load  # doctest: +SKIP
>>> run = train(output_dir="reports/out/census")            # doctest: +SKIP
>>> model, preprocessor = load("reports/out/census/model")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import torch

from audit.config import AuditConfig, AuditsConfig, load_config
from audit.data import TabularPreprocessor
from audit.models import load_model
from audit.runner import AuditRun, run_audit

CONFIG_PATH = Path(__file__).with_name("audit.yaml")


def config(**overrides) -> AuditConfig:
    """The sample's config, with top-level fields replaced by ``overrides``."""
    return load_config(CONFIG_PATH).model_copy(update=overrides)


def train(output_dir: str | Path = "reports/out/census-income", *, seed: int = 0,
          progress: bool = False, audits: AuditsConfig | None = None) -> AuditRun:
    """Train the census MLP with the sample config and save it under ``output_dir/model``.

    ``audits`` replaces the config's audit selection (e.g. ``AuditsConfig()`` for quality only).
    """
    overrides = {"seed": seed} if audits is None else {"seed": seed, "audits": audits}
    return run_audit(config(**overrides), output_dir=output_dir, progress=progress)


def load(model_dir: str | Path) -> tuple[torch.nn.Module, TabularPreprocessor]:
    """Reload a saved census model (safetensors) and its preprocessing (JSON)."""
    model, spec = load_model(model_dir)
    return model, TabularPreprocessor.from_dict(spec["preprocessing"])
