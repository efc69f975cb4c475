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
    >>> import pandas as pd
    >>> from audit.text import build_text_dataset, load_tokenizer
    >>> reviews = pd.DataFrame({"review": ["a fine film", "a dull film", "great acting", "a poor plot",
    ...                                    "a lovely score", "an awful script"] * 6,
    ...                         "label": [1, 0] * 18})
    >>> ds = build_text_dataset(reviews, reviews, text="review", target="label",
    ...                         tokenizer=load_tokenizer())
    >>> import torch
    >>> from audit.text import PoolingClassifier
    >>> _ = torch.manual_seed(0)
    >>> model = PoolingClassifier(ds.vocab_size, embedding_dim=8, hidden_size=8)
    >>> import tempfile
    >>> from audit.text import save_text_model
    >>> folder = save_text_model(model, Path(tempfile.mkdtemp()) / "model", kind="pooling",
    ...                          tokenizer=load_tokenizer(), dataset=ds)
    >>> model, tokenizer = load_text_model(folder)
    >>> type(model).__name__, model.training, tokenizer("a fine film")["input_ids"]
    ('PoolingClassifier', False, [101, 1037, 2986, 2143, 102])
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
