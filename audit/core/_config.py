"""The strict pydantic base of every config model, and config errors a person can act on.

Every block of ``audit.yaml`` (and every audit's Python config object) derives from
:class:`StrictConfig`: an unknown key is refused rather than silently ignored, and a config is
frozen once validated. :func:`config_problems` turns pydantic's validation errors into
:class:`~audit.errors.Problem` s (unknown keys with a suggestion, wrong values with what was
expected); :func:`yaml_error_text` says where a YAML file fails to parse.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, ValidationError

from audit.errors import ConfigError, InputTooLongError, Problem, RaiAuditError, suggest

#: What to do with rows whose sensitive feature is missing: refuse them, keep them as a group
#: named ``"(missing)"``, or drop them (and say how many).
NanPolicy = Literal["error", "own_group", "drop"]


class StrictConfig(BaseModel):
    """Base of config models: unknown keys are refused (``extra="forbid"``), values frozen.

    Examples
    --------
    >>> class Block(StrictConfig):
    ...     epochs: int = 10
    >>> Block(epochs=3).epochs
    3
    >>> Block(epocs=3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for Block...
    """

    model_config = ConfigDict(extra="forbid", frozen=True)


def _model_at(loc: tuple[Any, ...], root: type[BaseModel]) -> type[BaseModel]:
    """The config model that holds the key at ``loc`` (walking into optional and list fields)."""
    model: type[BaseModel] = root
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            break
        candidates = [field.annotation, *get_args(field.annotation)]
        inner = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)),
                     None)
        if inner is None:
            break
        model = inner
    return model


#: Config keys renamed in rai-audit 0.2 so that one thing has one name everywhere.
RENAMED_KEYS = {"n_bootstrap": "bootstrap_replicates", "confidence": "confidence_level"}


def config_problems(exc: ValidationError, source: str, root: type[BaseModel]) -> list[Problem]:
    """One :class:`~audit.errors.Problem` per error pydantic found validating ``root``.

    Parameters
    ----------
    exc : pydantic.ValidationError
    source : str
        Where the config came from (a file path), named in every problem.
    root : type of BaseModel
        The model that was validated: unknown keys are listed with the keys it allows there.
    """
    problems = []
    for err in exc.errors():
        where = ".".join(map(str, err["loc"])) or "top level"
        if err["type"] == "extra_forbidden":
            key = str(err["loc"][-1])
            known = list(_model_at(err["loc"], root).model_fields)
            renamed = RENAMED_KEYS.get(key)
            fix = (f"rename it to {renamed!r} (renamed in rai-audit 0.2)" if renamed in known
                   else "remove or rename the key." + suggest(key, known))
            problems.append(Problem(ConfigError, f"{source}: key {where!r}",
                                    f"one of {known}", f"unknown key {key!r}", fix))
        elif isinstance(err.get("ctx", {}).get("error"), RaiAuditError):  # our own validator's
            problems.extend(dataclasses.replace(p, where=f"{source}: key {where!r} ({p.where})")
                            for p in err["ctx"]["error"].problems)
        elif err["type"] == "string_too_long":
            problems.append(Problem(InputTooLongError, f"{source}: key {where!r}",
                                    err["msg"].replace("String should have", "a text with"),
                                    f"{len(str(err.get('input'))):,} characters",
                                    "shorten it: names and card text are shown in reports"))
        else:
            problems.append(Problem(ConfigError, f"{source}: key {where!r}",
                                    err["msg"].replace("Input should be", "a value that is"),
                                    _short_repr(err.get("input")),
                                    "correct the value in the config file"))
    return problems


def _short_repr(value: Any) -> str:
    """At most 80 characters of ``repr(value)``, never building the whole text (reprlib): a
    value standing for a huge expansion (YAML aliases) is never printed whole."""
    import reprlib

    shown = reprlib.Repr()
    shown.maxstring = shown.maxother = 60
    shown.maxlist = shown.maxdict = 4
    shown.maxlevel = 2
    return shown.repr(value)[:80]


def yaml_error_text(exc: Exception) -> str:
    """``"a parse error (<problem>) at line L, column C"`` for a ``yaml.YAMLError``."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"a parse error ({problem}){where}"
