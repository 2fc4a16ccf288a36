"""A data model violation: its problem type, where it is (an RFC 6901 JSON Pointer) and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.problems import problem_type

__all__ = ["Violation", "pointer"]


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule. ``type_name`` is the problem type's name (``vcdm-missing-type``, …; see
    :mod:`profiles.vcdm`), ``pointer`` the JSON Pointer of the offending member ("" for the document)."""

    type_name: str
    pointer: str
    message: str

    @property
    def type(self) -> str:
        """The problem type URI."""
        return problem_type(self.type_name)

    def as_json(self) -> dict[str, str]:
        """The entry of a problem's ``errors`` list."""
        return {"type": self.type, "pointer": self.pointer, "detail": self.message}


def pointer(base: str, *tokens: str | int) -> str:
    """``base`` (a JSON Pointer) extended by ``tokens``, each escaped (``~`` as ``~0``, ``/`` as ``~1``)."""
    return base + "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)
