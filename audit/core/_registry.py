"""The registry of audits (like opacus's ``register_accountant``: a duplicate is refused)."""

from __future__ import annotations

import importlib
import re

from audit.core._contract import MODALITIES, Audit

#: Packages whose import registers the built-in audits (plugins call register_audit themselves).
BUILTIN_AUDIT_PACKAGES = (
    "audit.data_privacy", "audit.fairness", "audit.explain", "audit.error_analysis",
    "audit.robustness", "audit.counterfactuals", "audit.text_models", "audit.text_bias",
    "audit.privacy",
)
_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
_RESERVED = frozenset({"quality", "metadata", "history", "policy", "schema_version", "sections",
                       "content_hash"})
_AUDITS: dict[str, Audit] = {}
_state = {"loaded": False, "version": 0}


def register_audit(audit: Audit) -> Audit:
    """Register ``audit`` under its slug; refuses duplicates and incomplete audits.

    Returns the audit, so a module can write ``AUDIT = register_audit(FairnessAudit())``.

    Raises
    ------
    ValueError
        When the slug is taken, reserved or not an identifier, or a contract part is missing.
    """
    slug = getattr(audit, "slug", None)
    if not isinstance(slug, str) or not _SLUG.match(slug) or slug in _RESERVED:
        raise ValueError(f"audit slug must be a lower-case identifier not in {sorted(_RESERVED)}; "
                         f"got {slug!r}")
    if slug in _AUDITS:
        raise ValueError(f"an audit with slug {slug!r} is already registered "
                         f"({_AUDITS[slug]!r}); pick another slug or unregister it first")
    for part in ("title", "config_type", "section_type"):
        if not hasattr(audit, part):
            raise ValueError(f"audit {slug!r} lacks {part!r}, which the contract requires")
    if "enabled" not in getattr(audit.config_type, "model_fields", {}):
        raise ValueError(f"audit {slug!r}: its config_type needs an 'enabled' field")
    unknown = set(audit.modalities) - set(MODALITIES)
    if unknown or not audit.modalities:
        raise ValueError(f"audit {slug!r}: modalities must be a non-empty subset of {MODALITIES}")
    if type(audit).run is Audit.run:
        raise ValueError(f"audit {slug!r} does not implement run(ctx, config)")
    _AUDITS[slug] = audit
    _state["version"] += 1
    return audit


def unregister_audit(slug: str) -> None:
    """Remove a registered audit (for tests and plugins that replace one)."""
    del _AUDITS[slug]
    _state["version"] += 1


def load_builtin_audits() -> None:
    """Import the built-in audit packages once (each registers its audit on import)."""
    if _state["loaded"]:
        return
    _state["loaded"] = True
    for name in BUILTIN_AUDIT_PACKAGES:
        importlib.import_module(name)


def registered_audits() -> tuple[Audit, ...]:
    """Every registered audit in presentation order (``position``, then registration order)."""
    load_builtin_audits()
    return tuple(sorted(_AUDITS.values(), key=lambda a: a.position))


def run_order(audits: list) -> list:
    """``audits`` (audits or ``(audit, config)`` pairs) in the order a run executes them:
    data-phase audits first, then by ``cost``, cheapest first."""
    def key(item):
        a = item[0] if isinstance(item, tuple) else item
        return (a.phase != "data", a.cost)
    return sorted(audits, key=key)


def get_audit(slug: str) -> Audit:
    """The audit registered under ``slug``.

    Raises
    ------
    KeyError
        With the registered slugs, when ``slug`` is unknown.
    """
    load_builtin_audits()
    try:
        return _AUDITS[slug]
    except KeyError:
        raise KeyError(f"no audit {slug!r}; registered: {sorted(_AUDITS)}") from None


def registry_version() -> int:
    """A counter that changes whenever the registry does (for caches derived from it)."""
    load_builtin_audits()
    return _state["version"]
