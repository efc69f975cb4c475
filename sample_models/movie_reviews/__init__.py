"""Movie-review sentiment sample (Rotten Tomatoes snippets, ``sample_models/data/movie_reviews``):
the seeds' text systems, each a config run by :func:`audit.runner.run_audit`.

- ``audit.yaml``: the pretrained MiniLM fine-tuned, then distilled into the pooling model;
- ``audit_minilm_dp.yaml``: the MiniLM fine-tuned under DP-SGD (per-layer book-keeping);
- ``audit_lstm.yaml`` / ``audit_lstm_dp.yaml``: opacus DPLSTM without and with DP-SGD;
- ``audit_pooling.yaml`` / ``audit_pooling_dp.yaml``: embedding pooling without and with DP-SGD.

Every run's text-models section carries the majority class and a TF-IDF logistic regression
measured on the same splits.

>>> from sample_models.movie_reviews import train  # doctest: +SKIP
>>> run = train("audit_pooling.yaml", output_dir="reports/out/movie-reviews-pooling")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from audit.config import AuditConfig
from audit.runner import AuditRun
from sample_models._text_sample import run_sample, sample_config

HERE = Path(__file__).parent
CONFIGS = ("audit.yaml", "audit_minilm_dp.yaml", "audit_lstm.yaml", "audit_lstm_dp.yaml",
           "audit_pooling.yaml", "audit_pooling_dp.yaml")


def config(name: str = "audit.yaml", **overrides) -> AuditConfig:
    """One of the sample's configs, with top-level fields replaced by ``overrides``."""
    return sample_config(HERE, name, **overrides)


def train(name: str = "audit.yaml", output_dir: str | Path = "reports/out/movie-reviews", *,
          seed: int = 0, progress: bool = False) -> AuditRun:
    """Run one of the sample's audits (training included) and save the model under
    ``output_dir/model``."""
    return run_sample(HERE, name, output_dir, seed=seed, progress=progress)
