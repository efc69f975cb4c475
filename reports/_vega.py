"""The Vega, Vega-Lite and vega-embed JavaScript that draws the report's charts, inlined offline.

The bundle comes from the installed ``vl-convert-python`` package (:func:`vl_convert.javascript_bundle`,
the same source Altair uses for its offline ``inline=True`` HTML), so nothing is fetched. Building it
takes about two seconds, so it is cached on disk per vl-convert version, written atomically.

The bundle carries three URLs as string constants that are never fetched: a schema identifier
(``$schema`` of compiled specifications), the "open in editor" link (the report turns actions off)
and a link in an error message. They are blanked so that the report holds no external URL at all;
the XML namespace identifiers of SVG (``www.w3.org``) stay, as they are not addresses to fetch.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

from audit._io import atomic_write_text
from audit.errors import OutputPathError

_EXTERNAL_URL = re.compile(r"https?://(?!www\.w3\.org/)[^\s\"'`)]*")


def cache_dir() -> Path:
    """Where the bundle is cached: ``$RAI_AUDIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/rai-audit``,
    else ``~/.cache/rai-audit``."""
    configured = os.environ.get("RAI_AUDIT_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rai-audit"


def _build_bundle() -> str:
    import vl_convert

    bundle = _EXTERNAL_URL.sub("", vl_convert.javascript_bundle())
    # The bundle is inlined in a <script> element, which these sequences would end or derail.
    if re.search(r"</script|<!--", bundle, flags=re.IGNORECASE):
        raise RuntimeError(f"vl-convert {vl_convert.__version__}'s bundle cannot be inlined in <script>")
    return bundle


@functools.cache
def vega_bundle() -> str:
    """The JavaScript that defines ``vegaEmbed``, ``vega`` and ``vegaLite`` globals, offline.

    Read from the disk cache when present; otherwise built and cached (an unwritable cache
    directory only costs the rebuild next time).
    """
    import vl_convert

    path = cache_dir() / f"vega-bundle-{vl_convert.__version__}-{vl_convert.get_vega_version()}.js"
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        pass
    bundle = _build_bundle()
    try:
        atomic_write_text(path, bundle)
    except (OSError, OutputPathError):
        pass
    return bundle
