"""Loading tokenizers from disk only (never the model hub). Pretrained model folders are found
by :func:`audit.models.resolve_model_dir` (re-exported here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audit.errors import MissingTextModelError
from audit.models import MINILM, minilm_path, resolve_model_dir

__all__ = ["MINILM", "load_tokenizer", "minilm_path", "resolve_model_dir"]


def load_tokenizer(path: str | Path = MINILM) -> Any:
    """A Hugging Face tokenizer from a local folder (``"minilm"``: the shipped MiniLM's WordPiece).

    Examples
    --------
    >>> tok = load_tokenizer()
    >>> tok("is it", "a passage")["input_ids"]  # [CLS] is it [SEP] a passage [SEP]
    [101, 2003, 2009, 102, 1037, 6019, 102]
    """
    from transformers import AutoTokenizer

    folder = resolve_model_dir(path)
    try:
        return AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    except (OSError, ValueError) as exc:
        raise MissingTextModelError(
            str(path), "tokenizer files (tokenizer.json or vocab.txt and tokenizer_config.json)",
            str(exc).splitlines()[0][:200], "save the tokenizer into the folder with "
            "tokenizer.save_pretrained(folder)") from None
