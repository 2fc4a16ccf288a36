"""DCQL, the Digital Credentials Query Language (OpenID4VP 1.0 §6): reading a query, and holding what a
wallet presented against it.

:func:`read_query` checks a query's shape (§6.1 Credential Query: ``id``, ``format``, ``meta``,
``claims``, ``claim_sets``, ``multiple``, ``trusted_authorities``,
``require_cryptographic_holder_binding``; §6.2 Credential Set Query: ``options``, ``required``; §6.3
Claims Query: ``id``, ``path``, ``values``) for the formats this verifier reads: ``dc+sd-jwt``
(``meta.vct_values``, Appendix B.3.5) and ``ldp_vc`` (``meta.type_values``, Appendix B.1.3), with
``trusted_authorities`` of type ``aki`` (§6.1.1.1). :func:`claims_missing` says which requested claims
a credential did not disclose (§6.4.1: without ``claim_sets`` every claim is required; with them, one
set must be satisfied), :func:`meta_matches` whether its type is one the query asked for,
:func:`trusted_authority_matches` whether its chain has an authority the query trusts,
:func:`holder_binding_required` whether it requires Cryptographic Holder Binding, and
:func:`sets_satisfied` whether the credentials presented satisfy the query's credential sets (§6.4.2:
every required set by one of its options; with no sets, every Credential Query). Pure: no clock, no
network.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

__all__ = [
    "FORMATS",
    "DcqlError",
    "claims_missing",
    "holder_binding_required",
    "meta_matches",
    "read_query",
    "select_path",
    "sets_satisfied",
    "trusted_authority_matches",
]

FORMATS = frozenset({"dc+sd-jwt", "ldp_vc"})
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # §6.1: alphanumeric, underscore or hyphen
_MAX_CREDENTIALS = 16
_MAX_CLAIMS = 64
_MAX_PATH = 16
# §6.1.1.1: the Trusted Authorities Query types; `aki` (the issuer chain's AuthorityKeyIdentifier,
# base64url) is the one this verifier can hold a credential to (an x5c-signed SD-JWT VC).
_AUTHORITY_TYPES = frozenset({"aki"})


class DcqlError(ValueError):
    """The query is not one this verifier can send (``code`` names the rule, the message says where)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _path(value: Any, where: str) -> list[str | int | None]:
    """§7: a non-empty array of strings (a member), non-negative integers (an index), null (every item)."""
    if not isinstance(value, list) or not 0 < len(value) <= _MAX_PATH:
        raise DcqlError("invalid-claim-path", f"{where}.path must be a non-empty array")
    for step in value:
        ok = step is None or (isinstance(step, str) and bool(step))
        ok = ok or (isinstance(step, int) and not isinstance(step, bool) and step >= 0)
        if not ok:
            raise DcqlError(
                "invalid-claim-path", f"{where}.path holds a step that is not a name, index or null"
            )
    return list(value)


def _claims(query: Mapping[str, Any], where: str) -> None:
    claims = query.get("claims")
    if claims is None:
        if "claim_sets" in query:
            raise DcqlError("invalid-claim-sets", f"{where}.claim_sets needs claims")
        return
    if not isinstance(claims, list) or not 0 < len(claims) <= _MAX_CLAIMS:
        raise DcqlError("invalid-claims", f"{where}.claims must be a non-empty array")
    ids: set[str] = set()
    for i, claim in enumerate(claims):
        here = f"{where}.claims[{i}]"
        if not isinstance(claim, dict):
            raise DcqlError("invalid-claims", f"{here} must be an object")
        _path(claim.get("path"), here)
        values = claim.get("values")
        if values is not None and (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str | int | bool) for v in values)
        ):
            raise DcqlError("invalid-claims", f"{here}.values must be a non-empty array of scalars")
        if "id" in claim:
            if not isinstance(claim["id"], str) or not _ID.fullmatch(claim["id"]) or claim["id"] in ids:
                raise DcqlError("invalid-claims", f"{here}.id must be a unique identifier")
            ids.add(claim["id"])
    sets = query.get("claim_sets")
    if sets is not None:
        if len(ids) != len(claims):
            raise DcqlError("invalid-claim-sets", f"{where}: with claim_sets every claim needs an id")
        if not isinstance(sets, list) or not sets:
            raise DcqlError("invalid-claim-sets", f"{where}.claim_sets must be a non-empty array")
        for option in sets:
            if not isinstance(option, list) or not option or not all(c in ids for c in option):
                raise DcqlError("invalid-claim-sets", f"{where}.claim_sets names a claim id not in claims")


def _meta(query: Mapping[str, Any], where: str) -> None:
    meta = query.get("meta")
    if not isinstance(meta, dict):
        raise DcqlError("invalid-meta", f"{where}.meta is required")
    if query["format"] == "dc+sd-jwt":
        values = meta.get("vct_values")
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
            raise DcqlError("invalid-meta", f"{where}.meta.vct_values must be a non-empty array of strings")
    else:
        values = meta.get("type_values")
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, list) and v and all(isinstance(t, str) for t in v) for v in values)
        ):
            raise DcqlError(
                "invalid-meta", f"{where}.meta.type_values must be a non-empty array of arrays of strings"
            )


def _trusted_authorities(query: Mapping[str, Any], where: str) -> None:
    authorities = query.get("trusted_authorities")
    if authorities is None:
        return
    if not isinstance(authorities, list) or not authorities:
        raise DcqlError(
            "invalid-trusted-authorities", f"{where}.trusted_authorities must be a non-empty array"
        )
    for i, item in enumerate(authorities):
        here = f"{where}.trusted_authorities[{i}]"
        values = item.get("values") if isinstance(item, dict) else None
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
            raise DcqlError(
                "invalid-trusted-authorities", f"{here}.values must be a non-empty array of strings"
            )
        if item.get("type") not in _AUTHORITY_TYPES or query["format"] != "dc+sd-jwt":
            raise DcqlError(
                "unsupported-trusted-authority",
                f"{here}: only type aki, for dc+sd-jwt credentials (an x5c chain), can be checked here",
            )


def read_query(query: Any) -> dict[str, Any]:
    """Check ``query`` (a DCQL query object) and return it; DcqlError says what is wrong."""
    if not isinstance(query, dict):
        raise DcqlError("invalid-query", "the DCQL query must be an object")
    credentials = query.get("credentials")
    if not isinstance(credentials, list) or not 0 < len(credentials) <= _MAX_CREDENTIALS:
        raise DcqlError("invalid-query", f"credentials must hold 1 to {_MAX_CREDENTIALS} Credential Queries")
    ids: set[str] = set()
    for i, credential in enumerate(credentials):
        where = f"credentials[{i}]"
        if not isinstance(credential, dict):
            raise DcqlError("invalid-query", f"{where} must be an object")
        cid = credential.get("id")
        if not isinstance(cid, str) or not _ID.fullmatch(cid) or cid in ids:
            raise DcqlError(
                "invalid-credential-id", f"{where}.id must be a unique identifier ([A-Za-z0-9_-])"
            )
        ids.add(cid)
        if credential.get("format") not in FORMATS:
            raise DcqlError("unsupported-format", f"{where}.format must be one of {sorted(FORMATS)}")
        if not isinstance(credential.get("multiple", False), bool):
            raise DcqlError("invalid-query", f"{where}.multiple must be a boolean")
        if not isinstance(credential.get("require_cryptographic_holder_binding", True), bool):
            raise DcqlError(
                "invalid-holder-binding", f"{where}.require_cryptographic_holder_binding must be a boolean"
            )
        _meta(credential, where)
        _claims(credential, where)
        _trusted_authorities(credential, where)
    sets = query.get("credential_sets")
    if sets is not None:
        if not isinstance(sets, list) or not sets:
            raise DcqlError("invalid-credential-sets", "credential_sets must be a non-empty array")
        for i, item in enumerate(sets):
            options = item.get("options") if isinstance(item, dict) else None
            if (
                not isinstance(options, list)
                or not options
                or not all(isinstance(o, list) and o and all(c in ids for c in o) for o in options)
            ):
                raise DcqlError(
                    "invalid-credential-sets", f"credential_sets[{i}].options must name Credential Query ids"
                )
            if not isinstance(item.get("required", True), bool):
                raise DcqlError("invalid-credential-sets", f"credential_sets[{i}].required must be a boolean")
    return query


def holder_binding_required(query: Mapping[str, Any]) -> bool:
    """§6.1 ``require_cryptographic_holder_binding``: whether the Credential Query ``query`` asks for a
    presentation with Cryptographic Holder Binding (the default, true: a credential bound to no key of the
    presenter does not answer it)."""
    return query.get("require_cryptographic_holder_binding", True) is not False


def select_path(document: Any, path: Sequence[str | int | None]) -> list[Any]:
    """The values a claims path selects (§7.1), none when it selects nothing."""
    nodes: list[Any] = [document]
    for step in path:
        found: list[Any] = []
        for node in nodes:
            if isinstance(step, str) and isinstance(node, Mapping) and step in node:
                found.append(node[step])
            elif step is None and isinstance(node, list):
                found.extend(node)
            elif isinstance(step, int) and isinstance(node, list) and 0 <= step < len(node):
                found.append(node[step])
        nodes = found
    return nodes


def _satisfied(claim: Mapping[str, Any], claims: Mapping[str, Any]) -> bool:
    selected = select_path(claims, claim["path"])
    values = claim.get("values")
    if values is None:
        return bool(selected)
    return any(v == w and type(v) is type(w) for v in selected for w in values)


def _label(claim: Mapping[str, Any]) -> str:
    return ".".join("*" if s is None else str(s) for s in claim["path"])


def claims_missing(credential_query: Mapping[str, Any], claims: Mapping[str, Any]) -> list[str]:
    """The requested claims (dotted paths) the presented ``claims`` lack or hold with another value;
    empty when the query is satisfied (every claim, or with ``claim_sets`` the first satisfiable set)."""
    requested = credential_query.get("claims") or []
    missing = [_label(c) for c in requested if not _satisfied(c, claims)]
    sets = credential_query.get("claim_sets")
    if not sets or not missing:
        return missing
    by_id = {c["id"]: c for c in requested}
    best: list[str] | None = None
    for option in sets:
        lacking = [_label(by_id[i]) for i in option if not _satisfied(by_id[i], claims)]
        if not lacking:
            return []
        best = lacking if best is None or len(lacking) < len(best) else best
    return best or []


def meta_matches(credential_query: Mapping[str, Any], *, vct: Any = None, types: Any = None) -> bool:
    """Whether a credential's ``vct`` (dc+sd-jwt) or ``type`` (ldp_vc) is one the query's ``meta`` asks for
    (``type_values``: every type of one of the arrays is among the credential's types)."""
    meta = credential_query.get("meta") or {}
    if credential_query.get("format") == "dc+sd-jwt":
        return isinstance(vct, str) and vct in meta.get("vct_values", [])
    have = {types} if isinstance(types, str) else set(types) if isinstance(types, list) else set()
    return any(set(option) <= have for option in meta.get("type_values", []))


def sets_satisfied(query: Mapping[str, Any], answered: Collection[str]) -> list[str]:
    """The Credential Query ids still needed: empty when every required credential set has an option
    whose ids were all ``answered`` (with no credential sets: every Credential Query must be)."""
    sets = query.get("credential_sets")
    if not sets:
        return [c["id"] for c in query["credentials"] if c["id"] not in answered]
    needed: list[str] = []
    for item in sets:
        if not item.get("required", True):
            continue
        options = item["options"]
        if any(all(i in answered for i in option) for option in options):
            continue
        needed.extend(i for i in min(options, key=len) if i not in answered)
    return needed


def trusted_authority_matches(
    credential_query: Mapping[str, Any], authority_key_ids: Collection[str]
) -> bool:
    """Whether the credential's chain (its ``authority_key_ids``, base64url) has an authority the query's
    ``trusted_authorities`` names; True when the query names none."""
    authorities = credential_query.get("trusted_authorities")
    if not authorities:
        return True
    return any(value in authority_key_ids for item in authorities for value in item["values"])
