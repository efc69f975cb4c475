"""The user's own model named in a config by import path: a factory, saved weights, a
``predict_proba`` callable or an ``encode`` function (``"my_package.models:build"``)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from audit.errors import ConfigError


@dataclass(frozen=True)
class TableInfo:
    """What a model factory is told about the table (``factory(info, **options)``).

    Attributes
    ----------
    input_width : int
        Width of the dataset's encoded rows (numeric columns standardised, categorical ones
        one-hot): the input of a model that takes them.
    feature_names : tuple of str
        The encoded columns (``age``, ``sex=Female``, ...).
    numeric, categorical : tuple of str
        Raw feature columns of each kind, in the order the encoding uses.
    categories : dict of str to tuple of str
        The categories of each categorical column seen in training (embedding sizes).
    n_classes : int
        2 (binary target); a factory may build one logit or two.
    """

    input_width: int
    feature_names: tuple[str, ...]
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    categories: dict[str, tuple[str, ...]]
    n_classes: int = 2

    @classmethod
    def of(cls, dataset: Any) -> TableInfo:
        """The info of a :class:`audit.data.TabularDataset`."""
        pre = dataset.preprocessor
        names = dataset.feature_names
        categories = {c: tuple(names[i].split("=", 1)[1] for i in pre.feature_groups_[c])
                      for c in pre.categorical}
        return cls(input_width=dataset.n_features, feature_names=tuple(names),
                   numeric=tuple(pre.numeric), categorical=tuple(pre.categorical),
                   categories=categories)


def import_object(path: str, where: str) -> Any:
    """The object named ``"package.module:name"`` (``name`` may be dotted).

    Raises
    ------
    ConfigError
        Not of that form, the module cannot be imported, or it has no such name.

    Examples
    --------
    >>> import_object("math:sqrt", "model.factory")(4.0)
    2.0
    """
    module_name, sep, attribute = str(path).partition(":")
    if not sep or not module_name or not attribute:
        raise ConfigError(where, "an import path 'package.module:name'", repr(path),
                          "write the module, a colon, then the function (my_models:build)")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(where, f"an importable module {module_name!r}",
                          f"{type(exc).__name__}: {exc}",
                          "install the package or run from the folder that holds the module "
                          "(it must be on sys.path)") from None
    for part in attribute.split("."):
        if not hasattr(obj, part):
            raise ConfigError(where, f"a name {attribute!r} in module {module_name!r}",
                              f"no attribute {part!r}", "check the spelling after the colon")
        obj = getattr(obj, part)
    return obj


def build_from_factory(path: str, dataset: Any, options: dict[str, Any]) -> torch.nn.Module:
    """Call the factory at ``path`` as ``factory(TableInfo.of(dataset), **options)``.

    Raises
    ------
    ConfigError
        The factory cannot be imported, fails, or returns no torch module.
    """
    factory = import_object(path, "model.factory")
    try:
        model = factory(TableInfo.of(dataset), **options)
    except TypeError as exc:
        raise ConfigError("model.factory", "a function factory(info, **options) -> torch module "
                          "(info: audit.models.TableInfo)", f"TypeError: {exc}",
                          "give it that signature; options come from model.options") from None
    if not isinstance(model, torch.nn.Module):
        raise ConfigError("model.factory", "a torch.nn.Module from the factory",
                          type(model).__name__, "return the built module")
    return model


def load_weights(model: torch.nn.Module, path: str | Path) -> torch.nn.Module:
    """Load a safetensors file into ``model`` (strict: every tensor, no pickle).

    Raises
    ------
    ConfigError
        The file is missing, not safetensors, or does not match the model's tensors.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(path)
    if path.suffix != ".safetensors" or not path.is_file():
        raise ConfigError("model.weights", "an existing .safetensors file", str(path),
                          "save the trained weights with safetensors.torch.save_file("
                          "model.state_dict(), 'model.safetensors')")
    try:
        state = load_file(str(path))
    except SafetensorError as exc:
        raise ConfigError("model.weights", "a safetensors file", f"unreadable: {exc}",
                          "save the weights again with safetensors.torch.save_file") from None
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        raise ConfigError("model.weights", "tensors matching the factory's model",
                          str(exc).splitlines()[0],
                          "build the same architecture (model.factory, model.options) as the "
                          "one whose weights were saved") from None
    return model.eval()


__all__ = ["TableInfo", "build_from_factory", "import_object", "load_weights"]
