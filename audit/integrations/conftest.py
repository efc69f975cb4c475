"""Doctest collection: the Lightning adapter is an optional extra (``rai-audit[lightning]``)."""

from importlib.util import find_spec

collect_ignore = [] if find_spec("lightning") else ["lightning.py"]
