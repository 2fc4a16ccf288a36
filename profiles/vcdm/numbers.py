"""JSON numbers an issuer must not sign because verifiers read them as other values (issuing only).

A Data Integrity proof signs the credential's RDF, and a number's RDF literal depends on how the verifier's
JSON reader and JSON-LD processor see it:

- an integer beyond ±(2**53 - 1) is not read exactly by readers that hold numbers as IEEE 754 doubles
  (JavaScript's among them): RFC 7493 (I-JSON) §2.2, "an I-JSON sender cannot expect a receiver to treat an
  integer whose absolute value is greater than 9007199254740991 ... as an exact value";
- a number with a fraction whose magnitude is below 10**-6 is one that ECMAScript's Number::toString writes
  in exponent notation (``1e-7``), which Digital Bazaar's jsonld.js takes for an integer (its literal is
  ``"0"^^xsd:integer``, not JSON-LD 1.1's ``"1.0E-7"^^xsd:double``).

Either way the verifier canonicalizes another dataset than the one signed and the proof fails there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from profiles.vcdm.violations import Violation, pointer

__all__ = ["check_numbers"]

_MAX_SAFE_INTEGER = 2**53 - 1
_MIN_PLAIN_FRACTION = 1e-6


def _number_ok(value: int | float) -> bool:
    if isinstance(value, int):
        return abs(value) <= _MAX_SAFE_INTEGER
    return value.is_integer() or abs(value) >= _MIN_PLAIN_FRACTION


def _has_bad_number(credential: Mapping[str, Any]) -> bool:
    """Whether any number of the document is one :func:`check_numbers` reports: a walk that builds no
    JSON Pointers (a pointer per member cost more than the check), for the usual case of none."""
    stack: list[Any] = [credential]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is dict:
            stack.extend(node.values())
        elif kind is list:
            stack.extend(node)
        elif kind is str or kind is bool or node is None:
            continue
        elif isinstance(node, Mapping):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, (int, float)) and not isinstance(node, bool) and not _number_ok(node):
            return True
    return False


def check_numbers(credential: Mapping[str, Any], out: list[Violation]) -> None:
    """Append a ``non-interoperable-number`` violation for each such number, in document order."""
    if not _has_bad_number(credential):
        return
    stack: list[tuple[str, Any]] = [("", credential)]
    while stack:
        at, node = stack.pop()
        if isinstance(node, Mapping):
            children = [(pointer(at, key), value) for key, value in node.items()]
        elif isinstance(node, list):
            children = [(pointer(at, i), value) for i, value in enumerate(node)]
        else:
            if isinstance(node, (int, float)) and not isinstance(node, bool) and not _number_ok(node):
                out.append(
                    Violation(
                        "non-interoperable-number",
                        at,
                        "a number verifiers would not read as written: integers stay within ±(2^53-1) "
                        "(RFC 7493 §2.2) and fractions at or above 1e-6 in magnitude; write it as a string",
                    )
                )
            continue
        stack.extend(reversed(children))
