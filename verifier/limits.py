"""What is refused as malformed when a credential is read, before any check runs (raised as
:class:`~verifier.result.UnreadableCredential`, whose ``type_name`` is the problem type):

* ``duplicate-member``: a member name twice in one JSON object of the credential, or of a JWT's header or
  claims (:mod:`proofs.strict_json` says why: parsers disagree on which one counts, so a signature over one
  reading proves nothing about the other);
* ``value-too-large``: a value larger than any genuine one, refused before it is decoded: the
  ``proofValue`` of a suite we verify (a signature: 88 characters for Ed25519, at most 132 for ECDSA
  P-384; we allow 512; another suite's, which is never decoded, is the proof check's to refuse), a
  ``verificationMethod`` (a URL: 2,048), a JWT larger than a credential may be;
* ``too-many-proofs``: more than 16 proofs in a proof set (each costs a signature check and, in a chain,
  a canonicalization of its own);
* ``too-many-proofs`` too for a proof chain that would canonicalize the document too many times: each proof
  naming a ``previousProof`` is checked over the document together with the proofs it names (VC Data
  Integrity §4.3 step 6, §4.5), a canonicalization of all of it of its own, and every proof is checked
  before a forged one is refused (16 proofs in a chain over a credential of 1,430 values cost 138 ms of CPU
  before the last one, forged, was refused; over a presentation of 2,950 values, 400 ms). The document is
  canonicalized at most :data:`CHAIN_FACTOR` times its bound in values in all: a chain of any length over
  a small credential, one link over one at the bound (:func:`chain_problem`);
* ``too-many-values``: more than :data:`MAX_VALUES` JSON values (a JSON-LD expansion, a schema check
  and a canonicalization cost 12-25 microseconds of CPU a value, and the proof is checked only after
  them). The credentials a CLR bundles, and those a presentation holds, are bounded one by one: what
  refusing a bundle costs grows with the number of credentials in it (at most 250 in a CLR, 64 in a
  presentation, and what 1 MiB holds), as verifying a genuine one does;
* ``nesting-too-deep``: objects and arrays nested more than 32 deep (an Open Badge is 9 deep, a CLR
  bundling one about 13). A chain of nested blank nodes is what RDF canonicalization is slowest on: 100
  levels cost 0.28 s of CPU before the proof failed, 300 levels 3.5 s;
* ``unreadable-credential`` for a number outside the range of an IEEE 754 double (NaN, an infinity, an
  integer of 309 digits or more), which JSON-LD cannot expand (I-JSON, RFC 7493 §2.2), and for a string or
  a member name holding a lone surrogate (JSON's ``\\ud800`` escape reads as one), which is not Unicode
  text (RFC 7493 §2.1): no canonical form or signature covers either.

Base58 decoding, the one step whose cost grows faster than its input, is bounded in
:mod:`proofs.multibase` as well, for keys and signatures reached by any other path.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import Any

from proofs import strict_json
from proofs.data_integrity import MAX_VERIFICATION_METHOD_LENGTH, proof_items, proof_value_limit
from proofs.vc_jwt import JwtError
from verifier.fields import is_clr
from verifier.result import UnreadableCredential

__all__ = [
    "BUNDLE_DEPTH",
    "CHAIN_FACTOR",
    "CLR_FACTOR",
    "MAX_CONTEXTS",
    "MAX_DEPTH",
    "MAX_PROOFS",
    "MAX_VALUES",
    "VALUES_PER_BUNDLED",
    "chain_problem",
    "check_limits",
    "jwt_refusal",
    "parse_json",
    "shape",
    "too_many_values",
]

MAX_PROOFS = 16
MAX_DEPTH = 32
# Entries of a credential's top-level @context: a credential names a handful (OB 3.0: two to four); each
# unknown one is looked up before it is refused, so thousands of them would cost tens of milliseconds.
MAX_CONTEXTS = 64
# JSON values (objects, arrays, strings, numbers...) in one credential, apart from the credentials a CLR
# bundles (each of those is bounded on its own). Refusing a forged credential costs a JSON-LD expansion,
# a schema check and an RDF canonicalization of all of it, 8-14 microseconds of CPU a value
# (bench/refusal_cost.py: at most about 21 ms at this bound, and an HTTP request adds about 5 ms). Genuine
# Open Badges hold 70-450 values (1EdTech's samples, the W3C vectors, ours); SHOMEI_VERIFY_MAX_VALUES
# raises the bound.
MAX_VALUES = 1_500
VALUES_PER_BUNDLED = 100
# A CLR in all, its bundled credentials included, holds at most this many times MAX_VALUES: its own proof
# is checked over all of it before any bundled credential is (a forged one costs about 6-11 microseconds
# of CPU a value to refuse). Our 124-credit CLR of 26 badges holds about 7,000; the bound, about 45 badges.
CLR_FACTOR = 8
# What a proof chain's documents may cost: (1 + chained proofs) x values at most this many times the
# document's bound in values (module docstring, ``too-many-proofs``).
CHAIN_FACTOR = 2
# How much deeper than the CLR a bundled credential's members sit (credentialSubject, verifiableCredential,
# the list): each bundled credential may nest MAX_DEPTH deep on its own.
BUNDLE_DEPTH = 3
_SCALARS = frozenset((str, int, float, bool, type(None)))  # JSON values with no children
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_DOUBLE_MAX = sys.float_info.max


def parse_json(text: str) -> Any:
    """The JSON text of a credential, each member name once; raises UnreadableCredential
    (``duplicate-member``, or ``unreadable-credential`` for text that is not JSON)."""
    try:
        return strict_json.loads(text)
    except strict_json.DuplicateMember as exc:
        raise UnreadableCredential(
            f"the credential is malformed: {exc} (JSON readers disagree on which one counts)",
            type_name="duplicate-member",
        ) from None
    except (ValueError, RecursionError):
        raise UnreadableCredential("the credential is neither JSON nor a compact JWS") from None


def jwt_refusal(exc: JwtError) -> UnreadableCredential:
    """The refusal of a JWT that could not be read (its problem type from the error's code)."""
    problems = {"DUPLICATE_MEMBER": "duplicate-member", "TOO_LARGE": "value-too-large"}
    return UnreadableCredential(
        f"the credential could not be read: {exc}",
        type_name=problems.get(exc.code, "unreadable-credential"),
    )


def _too_large(what: str, length: int, limit: int) -> UnreadableCredential:
    return UnreadableCredential(
        f"the credential is malformed: {what} is {length} characters long (at most {limit})",
        type_name="value-too-large",
    )


def shape(document: Any, *, max_values: int = MAX_VALUES, max_depth: int = MAX_DEPTH) -> tuple[int, int]:
    """How deep objects and arrays nest in ``document`` (1 for a flat object) and how many JSON values it
    holds (objects, arrays and scalars, the document itself included), walked without recursion and
    given up past ``max_depth`` or ``max_values``. Raises UnreadableCredential for a string or a member
    name with a lone surrogate, or a number outside an IEEE 754 double, met on the way (see the module's
    ``unreadable-credential``)."""
    deepest, values, stack = 0, 1, [(document, 1)]
    if type(document) is str and not document.isascii() and _SURROGATE.search(document):
        raise _not_unicode()
    while stack:
        node, depth = stack.pop()
        kind = type(node)  # parsed JSON: dicts and lists; other mappings and lists the slower way
        if kind is dict or (kind is not list and isinstance(node, Mapping)):
            children: Any = node.values()
            _check_names(node)
        elif kind is list or isinstance(node, list):
            children = node
        else:
            continue
        if depth > deepest:
            deepest = depth
        values += len(children)
        if deepest > max_depth or values > max_values:
            break
        for child in children:
            kind = type(child)
            if kind is str:
                if not child.isascii() and _SURROGATE.search(child):
                    raise _not_unicode()
            elif kind is float or kind is int:
                if not -_DOUBLE_MAX <= child <= _DOUBLE_MAX:  # NaN too: it compares false
                    raise _not_a_double(child)
            elif kind is dict or kind is list or (kind not in _SCALARS and isinstance(child, Mapping | list)):
                stack.append((child, depth + 1))
    return deepest, values


def _check_names(node: Mapping[Any, Any]) -> None:
    try:
        names = "".join(node)
    except TypeError:  # a Mapping given in code, with names that are not strings
        names = "".join(name for name in node if type(name) is str)
    if not names.isascii() and _SURROGATE.search(names):
        raise _not_unicode()


def _not_a_double(number: float) -> UnreadableCredential:
    what = "NaN" if number != number else "an infinity" if type(number) is float else "an integer"
    return UnreadableCredential(
        f"the credential holds {what} outside the range of an IEEE 754 double (I-JSON, RFC 7493 §2.2), "
        "which JSON-LD cannot expand",
        type_name="unreadable-credential",
    )


def _not_unicode() -> UnreadableCredential:
    return UnreadableCredential(
        "the credential holds a lone surrogate (a \\ud800-\\udfff escape without its pair): it is not "
        "Unicode text, which no canonicalization or signature covers",
        type_name="unreadable-credential",
    )


def _own_part(credential: Mapping[str, Any], max_values: int) -> tuple[Mapping[str, Any], int]:
    """What of ``credential`` is bounded here, and its bound: the credential and ``max_values``; or, for a
    CLR, the CLR without the credentials it bundles (each of them is read, and bounded, on its own when it
    is verified) and ``max_values`` plus :data:`VALUES_PER_BUNDLED` for each (a CLR describes how they
    relate: ours hold about 60 values of associations and achievements per bundled credential)."""
    subject = credential.get("credentialSubject")
    if not is_clr(credential) or not isinstance(subject, Mapping):
        return credential, max_values
    bundled = subject.get("verifiableCredential")
    count = len(bundled) if isinstance(bundled, list) else 1 if bundled is not None else 0
    own = {**credential, "credentialSubject": {**subject, "verifiableCredential": []}}
    return own, max_values + VALUES_PER_BUNDLED * count


def too_many_values(what: str, max_values: int) -> str:
    """The message of a ``too-many-values`` refusal."""
    return f"{what} holds more than {max_values} JSON values; larger ones are not verified here"


def chain_problem(document: Mapping[str, Any], values: int, bound: int) -> str | None:
    """Why the proof chain of ``document`` (holding ``values`` JSON values, at most ``bound``) is refused:
    its unsecured document and one document per proof naming a ``previousProof`` are each canonicalized,
    more than :data:`CHAIN_FACTOR` times ``bound`` values in all; None when it is not."""
    links = sum(1 for p in proof_items(document) if isinstance(p, Mapping) and "previousProof" in p)
    if not links or (1 + links) * values <= CHAIN_FACTOR * bound:
        return None
    return (
        f"its {links} chained proof(s) would have its {values} JSON values canonicalized {1 + links} times "
        f"(each chained proof signs the document with the proofs it names); at most {CHAIN_FACTOR * bound} "
        "values in all are canonicalized here"
    )


def check_limits(credential: Mapping[str, Any], *, max_values: int = MAX_VALUES) -> None:
    """Refuse a credential whose proofs are too many or too large to be genuine, or that nests too deep
    (UnreadableCredential: ``too-many-proofs``, ``value-too-large``, ``nesting-too-deep``), or names too
    many contexts (``too-many-contexts``) or more than ``max_values`` JSON values (``too-many-values``);
    the proofs' other defects are the proof check's to report."""
    bound = max_values
    own, max_values = _own_part(credential, max_values)
    depth, values = shape(own, max_values=max_values)
    if depth > MAX_DEPTH:
        raise UnreadableCredential(
            f"the credential nests objects and arrays more than {MAX_DEPTH} deep",
            type_name="nesting-too-deep",
        )
    contexts = credential.get("@context")
    if isinstance(contexts, list) and len(contexts) > MAX_CONTEXTS:
        raise UnreadableCredential(
            f"the credential names {len(contexts)} contexts; at most {MAX_CONTEXTS} are read",
            type_name="too-many-contexts",
        )
    items = proof_items(credential)
    if len(items) > MAX_PROOFS:
        raise UnreadableCredential(
            f"the credential has {len(items)} proofs; at most {MAX_PROOFS} are verified",
            type_name="too-many-proofs",
        )
    for proof in items:
        if not isinstance(proof, Mapping):
            continue
        value, method = proof.get("proofValue"), proof.get("verificationMethod")
        limit = proof_value_limit(proof)
        if isinstance(value, str) and limit is not None and len(value) > limit:
            raise _too_large("a proofValue", len(value), limit)
        if isinstance(method, str) and len(method) > MAX_VERIFICATION_METHOD_LENGTH:
            raise _too_large("a verificationMethod", len(method), MAX_VERIFICATION_METHOD_LENGTH)
    if values > max_values:
        raise UnreadableCredential(too_many_values("the credential", max_values), type_name="too-many-values")
    if own is not credential:  # a CLR: its proof signs the credentials it bundles too
        values = _check_bundle(credential, bound * CLR_FACTOR)
        bound *= CLR_FACTOR
    problem = chain_problem(credential, values, bound)
    if problem is not None:
        raise UnreadableCredential(
            f"the credential cannot be verified: {problem}", type_name="too-many-proofs"
        )


def _check_bundle(clr: Mapping[str, Any], total: int) -> int:
    """A CLR's bounds in all, its bundled credentials included (what its own proof's canonicalization
    reads before any of them is verified on its own); returns its values in all."""
    depth, values = shape(clr, max_values=total, max_depth=MAX_DEPTH + BUNDLE_DEPTH)
    if depth > MAX_DEPTH + BUNDLE_DEPTH:
        raise UnreadableCredential(
            f"a credential the CLR bundles nests objects and arrays more than {MAX_DEPTH} deep",
            type_name="nesting-too-deep",
        )
    if values > total:
        raise UnreadableCredential(
            too_many_values("the CLR", total) + " in all, the credentials it bundles included",
            type_name="too-many-values",
        )
    return values
