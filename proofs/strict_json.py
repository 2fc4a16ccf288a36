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

__all__ = ["DuplicateMember", "loads", "loads_items"]


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


class _Marks:
    """Objects parsed with a member named twice, by ``id`` (each is alive in the parsed value), with the
    first name found twice."""

    def __init__(self, *, constants: bool = False) -> None:
        self.found: dict[int, str] = {}
        self.constants = constants

    def hook(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(pairs)
        if len(out) != len(pairs):
            seen: set[str] = set()
            for name, _ in pairs:
                if name in seen:
                    self.found[id(out)] = name
                    break
                seen.add(name)
        return out

    def parse(self, text: str | bytes) -> Any:
        return json.loads(
            text, object_pairs_hook=self.hook, parse_constant=None if self.constants else _constant
        )

    def locate(self, node: Any, path: tuple[str | int, ...] = ()) -> DuplicateMember | None:
        """The first marked object, depth first in document order, with its path."""
        if isinstance(node, dict) and id(node) in self.found:
            return DuplicateMember(self.found[id(node)], path)
        children = (
            node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        )
        for key, child in children:
            found = self.locate(child, (*path, key))
            if found is not None:
                return found
        return None


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def loads(text: str | bytes, *, constants: bool = False) -> Any:
    """Parse JSON text, refusing a duplicate member name (:class:`DuplicateMember`) and the non-JSON
    constants; other malformed text raises ``ValueError`` as :func:`json.loads` does. With
    ``constants=True`` the constants are read (as :func:`json.loads` reads them): for text that another
    reader, which accepts them, reads too (a request body FastAPI or pydantic parse), whose duplicates must
    be found whatever else it holds."""
    try:
        return json.loads(text, object_pairs_hook=_unique, parse_constant=None if constants else _constant)
    except DuplicateMember as first:
        # Parsed again, only to say where: inner objects are built before the object holding them.
        marks = _Marks(constants=constants)
        marked = marks.parse(text)
        try:
            found = marks.locate(marked)
        except RecursionError:
            found = None
        raise (found or DuplicateMember(first.member)) from None


def loads_items(text: str | bytes) -> list[Any | DuplicateMember]:
    """Parse JSON text that is an array (``ValueError`` otherwise) into its items, each read as
    :func:`loads` reads a document: an item that names a member twice in one object is given as its
    :class:`DuplicateMember` (its path within the item), and the other items are read all the same (e.g.
    the rows of an upload, each a problem of its own)."""
    marks = _Marks()
    items = marks.parse(text)
    if not isinstance(items, list):
        raise ValueError("the JSON text is not an array")
    if not marks.found:
        return items
    return [marks.locate(item) or item for item in items]
