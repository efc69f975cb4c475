"""Thin adapters that bring the audit into other training loops (Hugging Face ``Trainer``).

Each adapter lives in its own module and imports its framework only there.
"""

__all__ = ["huggingface"]
