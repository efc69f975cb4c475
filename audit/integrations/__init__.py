"""Thin adapters that bring the per-epoch audit into other training loops: Hugging Face
``Trainer`` (:mod:`~audit.integrations.huggingface`) and Lightning
(:mod:`~audit.integrations.lightning`), both over one core
(:class:`~audit.integrations._epoch_audit.EpochAudit`).

Each adapter lives in its own module and imports its framework only there.
"""

__all__ = ["huggingface", "lightning"]
