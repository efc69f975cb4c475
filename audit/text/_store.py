"""Reloading a text model saved by a text audit (``output_dir/model``) with its tokenizer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file

from audit.errors import ConfigError
from audit.models import SPEC_FILE, WEIGHTS_FILE, build_model


def load_text_model(directory: str | Path) -> tuple[torch.nn.Module, Any]:
    """``(model in eval mode, tokenizer)`` from a folder written by a text audit: a Hugging Face
    ``save_pretrained`` folder (kind ``hf``) or safetensors + ``model.json`` (``lstm``,
    ``pooling``), each with its tokenizer files. Nothing is unpickled or downloaded.

    Examples
    --------
    >>> model, tokenizer = load_text_model("reports/out/text-boolq/model")  # doctest: +SKIP
    """
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    directory = Path(directory)
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(directory), local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ConfigError(str(directory), "a saved text model folder with its tokenizer files",
                          str(exc).splitlines()[0][:200], "run a text audit to save one") from None
    if (directory / "config.json").is_file():
        model = AutoModelForSequenceClassification.from_pretrained(
            str(directory), local_files_only=True, use_safetensors=True)
        return model.eval(), tokenizer
    if not (directory / SPEC_FILE).is_file() or not (directory / WEIGHTS_FILE).is_file():
        raise ConfigError(str(directory), f"config.json (hf) or {SPEC_FILE} + {WEIGHTS_FILE}",
                          "neither", "run a text audit to save one")
    spec = json.loads((directory / SPEC_FILE).read_text())
    # the saved weights replace any pretrained initialisation: do not read it again
    model = build_model(spec["kind"], **{**spec["config"], "embedding_init": None})
    model.load_state_dict(load_file(str(directory / WEIGHTS_FILE)))
    return model.eval(), tokenizer
