"""Reading YAML configs with bounds checked *before* anything is expanded.

``yaml.safe_load`` never runs code, but aliases are a cheap denial of service: nine nested
levels of ``[*a, *a, *a, ...]`` in 700 bytes stand for billions of nodes, and whatever walks the
loaded object (validation, ``repr`` of an error) expands them. Here the file is composed into
PyYAML's node graph (aliases are shared nodes there, so composing is linear in the file size),
the size of the expanded tree is counted on that graph with memoisation, and the file is refused
when it is larger than :data:`MAX_EXPANDED_NODES`. Ordinary anchors (``defaults: &d {...}``,
``<<: *d``) stay usable.

The bytes are decoded as strict UTF-8 first, so a file in another encoding is refused naming the
byte offset and line instead of a ``UnicodeDecodeError``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from audit.core import yaml_error_text
from audit.errors import ConfigError, FileEncodingError

#: Largest config file read, in bytes (the shipped configs are about 4 KB).
MAX_CONFIG_BYTES = 1_000_000
#: Largest number of nodes the document may stand for once every alias is expanded.
MAX_EXPANDED_NODES = 100_000


def decode_utf8(raw: bytes, source: str, what: str = "file") -> str:
    """``raw`` decoded as strict UTF-8 (a leading byte-order mark dropped).

    Raises
    ------
    FileEncodingError
        Naming the offset and line of the first byte that is not UTF-8.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise FileEncodingError(
            source, f"a UTF-8 encoded {what}",
            f"byte 0x{raw[exc.start]:02x} at offset {exc.start} (line {line}), which is not UTF-8",
            "re-encode the file as UTF-8 (e.g. iconv -f latin1 -t utf-8 in > out)") from None
    return text.removeprefix("\ufeff")


def _expanded_size(node: yaml.Node, memo: dict[int, int], limit: int) -> int:
    """Nodes in the tree ``node`` stands for, aliases expanded (stops counting past ``limit``)."""
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = limit + 1  # a node met again while being counted is a cycle: too big
    size = 1
    if isinstance(node, yaml.SequenceNode):
        for child in node.value:
            size += _expanded_size(child, memo, limit)
            if size > limit:
                break
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            size += _expanded_size(k, memo, limit) + _expanded_size(v, memo, limit)
            if size > limit:
                break
    memo[key] = size
    return size


def load_yaml(path: str | Path, *, what: str = "YAML config file",
              example: str = "sample_models/census_income/audit.yaml") -> Any:
    """Read ``path`` as YAML within the bounds above.

    Raises
    ------
    ConfigError
        The file is missing, too large, not valid YAML (with line and column), or expands to
        more than :data:`MAX_EXPANDED_NODES` nodes through aliases.
    FileEncodingError
        The file is not UTF-8.

    Examples
    --------
    >>> load_yaml("sample_models/census_income/policy.yaml")["gates"][0]["metric"]
    'quality.accuracy'
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(str(path), f"an existing {what}", "no such file",
                          f"check the path (example: {example})")
    size = path.stat().st_size
    if size > MAX_CONFIG_BYTES:
        raise ConfigError(str(path), f"a {what} of at most {MAX_CONFIG_BYTES:,} bytes",
                          f"{size:,} bytes", "a config holds settings, not data: point "
                          "data.train_path at the data file instead")
    text = decode_utf8(path.read_bytes(), str(path), what)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is None:
            return None
        expanded = _expanded_size(node, {}, MAX_EXPANDED_NODES)
        if expanded > MAX_EXPANDED_NODES:
            raise ConfigError(
                str(path), f"a document of at most {MAX_EXPANDED_NODES:,} values once its "
                "aliases (*name) are expanded",
                f"more than {MAX_EXPANDED_NODES:,} (aliases nested inside aliases)",
                "write the values out, or use each anchor (&name) at one level only")
        return _construct(text, node)
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), "valid YAML", yaml_error_text(exc),
                          "fix the YAML syntax there (quote values holding [ ] { } : or #)"
                          ) from None


def _construct(text: str, node: yaml.Node) -> Any:
    """Python objects of a composed ``node`` (PyYAML's safe constructors)."""
    loader = yaml.SafeLoader(text)
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()
