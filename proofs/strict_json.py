"""JSON read strictly, for what is signed or verified: a member name twice in one object is refused.

RFC 8259 §4 only says the names of an object SHOULD be unique, and parsers disagree on which duplicate
counts (Python and JavaScript keep the last, others the first or both). A signature over one reading then
says nothing about the other: a forged achievement name first and the genuine one last reads as genuine
to the verifier and as forged to a wallet or a display. RFC 7515 §5.2 and RFC 7519 §4 let a JWS or JWT
parser either reject duplicate names or keep the last; we reject them everywhere (a credential, a JWT's
header and claims, an SD-JWT's disclosures, a request body that carries a credential). The non-JSON
constants ``NaN``, ``Infinity`` and ``-Infinity`` that Python accepts are refused too.

:func:`loads` raises :class:`DuplicateMember` (with the member's name and the path of its object), or
``ValueError`` for text that is not JSON (as :func:`json.loads` does, ``RecursionError`` included).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from proofs.errors import ProofsError

__all__ = ["DuplicateMember", "loads"]


class DuplicateMember(ProofsError):
    """A member name appears twice in one JSON object (``member``; ``path``: where that object is)."""

    def __init__(self, member: str, path: Sequence[str | int] = ()) -> None:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
        super().__init__(
            f"the member {member!r} appears more than once in "
            + (f"the object at {where}" if where else "the top-level object")
        )
        self.member = member
        self.path = tuple(path)


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise DuplicateMember(name)  # where it is, loads finds out
            seen.add(name)
    return out


class _Marked(dict[str, Any]):
    """An object that had a duplicate member (only built to find where it is)."""

    duplicate: str = ""


def _marking(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = _Marked(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen and not out.duplicate:
                out.duplicate = name
            seen.add(name)
    return out


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _locate(node: Any, path: tuple[str | int, ...] = ()) -> tuple[str, tuple[str | int, ...]] | None:
    """The first marked object, depth first in document order, and its path."""
    if isinstance(node, _Marked) and node.duplicate:
        return node.duplicate, path
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        found = _locate(child, (*path, key))
        if found is not None:
            return found
    return None


def loads(text: str | bytes) -> Any:
    """Parse JSON text, refusing a duplicate member name (:class:`DuplicateMember`) and the non-JSON
    constants; other malformed text raises ``ValueError`` as :func:`json.loads` does."""
    try:
        return json.loads(text, object_pairs_hook=_unique, parse_constant=_constant)
    except DuplicateMember as first:
        # Parsed again, only to say where: inner objects are built before the object holding them.
        marked = json.loads(text, object_pairs_hook=_marking, parse_constant=_constant)
        try:
            found = _locate(marked)
        except RecursionError:
            found = None
        member, path = found if found is not None else (first.member, ())
        raise DuplicateMember(member, path) from None
