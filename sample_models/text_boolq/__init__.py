"""BoolQ text sample: the pretrained MiniLM fine-tuned by ``audit.training.fit`` and distilled
into a pooling model (``audit.yaml``), an LSTM under DP-SGD (``audit_lstm_dp.yaml``) and the
pooling model alone (``audit_pooling.yaml``). Data: ``sample_models/data/boolq`` (CC BY-SA 3.0).

>>> from sample_models.text_boolq import train  # doctest: +SKIP
>>> run = train("audit_pooling.yaml", output_dir="reports/out/boolq-pooling")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from audit.config import AuditConfig
from audit.runner import AuditRun
from sample_models._text_sample import run_sample, sample_config

HERE = Path(__file__).parent
CONFIGS = ("audit.yaml", "audit_lstm_dp.yaml", "audit_pooling.yaml")


def config(name: str = "audit.yaml", **overrides) -> AuditConfig:
    """One of the sample's configs, with top-level fields replaced by ``overrides``."""
    return sample_config(HERE, name, **overrides)


def train(name: str = "audit.yaml", output_dir: str | Path = "reports/out/text-boolq", *,
          seed: int = 0, progress: bool = False) -> AuditRun:
    """Run one of the sample's audits (training included) and save the model under
    ``output_dir/model``."""
    return run_sample(HERE, name, output_dir, seed=seed, progress=progress)
