"""RDF Dataset Canonicalization (RDFC-1.0, W3C Rec 2024) on top of pyld's URDNA2015.

pyld 3.3 serializes literals with only ``\\\\ \\t \\n \\r \\"`` escaped; RDFC-1.0 §4.2 (canonical
N-Quads) also requires ``\\b`` and ``\\f`` as ECHARs and every other U+0000–U+001F and U+007F as a
``\\u00XX`` UCHAR. Raw control characters can only occur inside literals of pyld's output (IRIs with
them are refused by safe mode; the line ends are the only raw newlines), so escaping them in each
serialized quad, both where first-degree quads are hashed and in the output, gives exact RDFC-1.0.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pyld import jsonld
from pyld.canon import URDNA2015

from proofs.jsonld import DocumentLoader, expand_safe

__all__ = ["canonicalize", "canonicalize_expanded", "rdfc_escape_quad"]

_RAW_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ECHAR = {"\b": "\\b", "\f": "\\f"}


def _escape_char(match: re.Match[str]) -> str:
    ch = match.group(0)
    return _ECHAR.get(ch) or f"\\u{ord(ch):04X}"


def rdfc_escape_quad(quad: str) -> str:
    """Escape the control characters pyld leaves raw in a serialized quad."""
    return _RAW_CONTROL.sub(_escape_char, quad)


class _RDFC10(URDNA2015):  # type: ignore[misc]
    def hash_nquads(self, nquads: list[str]) -> str:
        fixed = sorted(rdfc_escape_quad(q) for q in nquads)
        result: str = super().hash_nquads(fixed)
        return result


def canonicalize_expanded(expanded: list[Any], *, loader: DocumentLoader) -> str:
    """Canonical N-Quads of an already expanded (and safe-mode checked) document."""
    dataset = jsonld.JsonLdProcessor().to_rdf(expanded, {"documentLoader": loader, "base": ""})
    output: str = _RDFC10().main(dataset, {"format": "application/n-quads"})
    if not _RAW_CONTROL.search(output):
        return output
    # Split on "\n" only: str.splitlines() would also split on \f, \v and \x1c-\x1e inside literals.
    lines = sorted(rdfc_escape_quad(line) + "\n" for line in output.split("\n") if line)
    return "".join(lines)


def canonicalize(document: Mapping[str, Any], *, loader: DocumentLoader) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document; safe mode first (undefined terms raise)."""
    return canonicalize_expanded(expand_safe(document, loader=loader), loader=loader)
