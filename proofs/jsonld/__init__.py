"""Offline JSON-LD for the Data Integrity proofs: a frozen document loader over the bundled,
sha256-pinned contexts, and safe-mode expansion (nothing is fetched; undefined terms are refused).

- :mod:`proofs.jsonld.loader`: :class:`DocumentLoader`, :func:`bundled_loader`, :func:`expand_safe`
  and the JSON-LD errors;
- :mod:`proofs.jsonld.expansion`: pyld's expansion algorithm with memoized context processing;
- :mod:`proofs.jsonld.caches`: the per-loader caches it memoizes into.
"""

from __future__ import annotations

from proofs.jsonld.loader import (
    CONTEXTS_DIR,
    AliasedTerm,
    ContextIntegrityError,
    DocumentLoader,
    InvalidContext,
    JsonLdFailure,
    UndefinedTerm,
    UnknownContext,
    bundled_loader,
    expand_safe,
    json_copy,
)

__all__ = [
    "CONTEXTS_DIR",
    "AliasedTerm",
    "ContextIntegrityError",
    "DocumentLoader",
    "InvalidContext",
    "JsonLdFailure",
    "UndefinedTerm",
    "UnknownContext",
    "bundled_loader",
    "expand_safe",
    "json_copy",
]
