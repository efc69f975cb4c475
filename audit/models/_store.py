"""Saving and loading models as safetensors plus a JSON spec: no pickle is ever loaded."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from audit._io import _UMASK, atomic_write_text, ensure_writable_dir
from audit.errors import ConfigError
from audit.models._mlp import TabularMLP

WEIGHTS_FILE = "model.safetensors"
SPEC_FILE = "model.json"

#: Model kinds that can be rebuilt from a spec: name -> constructor taking the spec's config.
MODEL_REGISTRY: dict[str, Callable[..., torch.nn.Module]] = {"mlp": TabularMLP}


def register_model(kind: str, builder: Callable[..., torch.nn.Module]) -> None:
    """Make ``kind`` loadable by :func:`load_model` (``builder(**config)`` builds it)."""
    MODEL_REGISTRY[kind] = builder


def build_model(kind: str, **config: Any) -> torch.nn.Module:
    """Build a registered model kind from its config."""
    if kind not in MODEL_REGISTRY:
        raise ConfigError("model.kind", f"one of {sorted(MODEL_REGISTRY)}", repr(kind),
                          "use a registered kind or register yours with register_model")
    return MODEL_REGISTRY[kind](**config)


def save_model(model: torch.nn.Module, directory: str | Path, *, kind: str,
               extra: dict[str, Any] | None = None) -> Path:
    """Save weights (safetensors) and ``{"kind", "config", **extra}`` (JSON) into ``directory``."""
    directory = ensure_writable_dir(directory)
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    # a temporary name of this process's own (two runs into one folder never share one), moved
    # into place in one rename; removed on any failure (a full disk included)
    fd, tmp = tempfile.mkstemp(prefix=f".{WEIGHTS_FILE}.", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        save_file(tensors, tmp)
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, directory / WEIGHTS_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    spec = {"kind": kind, "config": getattr(model, "config", {}), **(extra or {})}
    atomic_write_text(directory / SPEC_FILE, json.dumps(spec, indent=1))
    return directory


def load_model(directory: str | Path) -> tuple[torch.nn.Module, dict[str, Any]]:
    """Rebuild a model saved by :func:`save_model`; returns ``(model in eval mode, spec)``."""
    directory = Path(directory)
    if not (directory / SPEC_FILE).is_file() or not (directory / WEIGHTS_FILE).is_file():
        raise ConfigError(str(directory), f"a folder with {SPEC_FILE} and {WEIGHTS_FILE}",
                          "missing files", "save the model with audit.models.save_model first")
    spec = json.loads((directory / SPEC_FILE).read_text())
    model = build_model(spec["kind"], **spec["config"])
    model.load_state_dict(load_file(str(directory / WEIGHTS_FILE)))
    return model.eval(), spec
