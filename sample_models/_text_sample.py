"""What the text samples share: reading one of a sample folder's configs and running it."""

from __future__ import annotations

from pathlib import Path

from audit.config import AuditConfig, load_config
from audit.runner import AuditRun, run_audit


def sample_config(folder: Path, name: str = "audit.yaml", **overrides) -> AuditConfig:
    """``folder/name`` with top-level fields replaced by ``overrides``."""
    return load_config(folder / name).model_copy(update=overrides)


def run_sample(folder: Path, name: str, output_dir: str | Path, *, seed: int = 0,
               progress: bool = False) -> AuditRun:
    """Run ``folder/name`` (training included) and save the model under ``output_dir/model``."""
    return run_audit(sample_config(folder, name, seed=seed), output_dir=output_dir, progress=progress)
