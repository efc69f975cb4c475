"""The one strict base of every config model (config files, the Python API's configs)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictConfig(BaseModel):
    """A frozen pydantic model that refuses unknown keys (so typos are reported, not ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
