"""DIF Well Known DID Configuration v1.0: is a DID linked to a web origin?

The origin publishes ``/.well-known/did-configuration.json``: ``{"@context":
"https://identity.foundation/.well-known/did-configuration/v1", "linked_dids": [...]}``, each entry a
Domain Linkage Credential. This module checks the JSON Web Token proof format (spec §"JSON Web Token Proof
Format"): a compact JWS whose header ``kid`` is a verification method of the DID, whose claims have ``iss``
and ``sub`` equal to the DID, ``nbf`` and ``exp``, and a ``vc`` claim of type
``DomainLinkageCredential`` with ``credentialSubject: {id: DID, origin}``; the origin must be the one
the resource was fetched from (§"DID Configuration Resource Verification"). Entries in the Linked Data
proof form are not checked here (a reason says so).

Pure: the configuration document, the key resolver and ``now`` are passed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import idna

from proofs.errors import ProofsError
from proofs.vc_jwt import JwtError, parse_jwt, verify_jws
from verifier.keys import DidResolver, KeyResolutionError

__all__ = ["CONFIGURATION_CONTEXT", "LinkageError", "configuration_url", "origin_of", "verify_linkage"]

CONFIGURATION_CONTEXT = "https://identity.foundation/.well-known/did-configuration/v1"


class LinkageError(ValueError):
    """The origin's configuration does not link it to the DID (``code``: why)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def origin_of(url: str) -> str | None:
    """``https://host[:port]`` of an https URL (a bare host reads as https), else None. The host is in its
    ASCII form (RFC 6454 §4: an internationalized host through IDNA ToASCII; UTS #46 processing, IDNA
    2008): so the Unicode and the punycode forms of one origin are the same origin, and a domain is
    shown as it is, ``xn--80ak6aa92e.com``, never as a look-alike of another (``аррle.com``). A host that
    has no ASCII form gives None."""
    text = url.strip()
    if "://" not in text:
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme != "https" or not parts.hostname:
        return None
    host = parts.hostname
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except UnicodeError:  # idna.IDNAError: a label IDNA 2008 does not allow (an emoji, say), which
            try:  # browsers still reach (the URL Standard's UTS #46 processing): its IDNA 2003 form
                host = host.encode("idna").decode("ascii")
            except UnicodeError:
                return None
    return f"https://{host}" + (f":{port}" if port not in (None, 443) else "")


def configuration_url(origin: str) -> str:
    return f"{origin}/.well-known/did-configuration.json"


def _check_entry(
    token: str, did: str, origin: str, resolver: DidResolver, now: dt.datetime, skew: dt.timedelta
) -> None:
    parsed = parse_jwt(token, typs=None)
    claims = parsed.payload
    kid = parsed.header.get("kid")
    if not isinstance(kid, str) or kid.partition("#")[0] != did:
        raise LinkageError("KID_MISMATCH", "the credential's key is not a key of the DID")
    if claims.get("sub") != did:
        raise LinkageError("SUBJECT_MISMATCH", "the credential's sub is not the DID")
    vc = claims.get("vc")
    if not isinstance(vc, Mapping):
        raise LinkageError("NOT_A_LINKAGE_CREDENTIAL", "the token has no vc claim")
    types = vc.get("type")
    if not isinstance(types, list) or "DomainLinkageCredential" not in types:
        raise LinkageError("NOT_A_LINKAGE_CREDENTIAL", "the credential is not a DomainLinkageCredential")
    subject = vc.get("credentialSubject")
    if not isinstance(subject, Mapping) or subject.get("id") != did:
        raise LinkageError("SUBJECT_MISMATCH", "the credential's subject is not the DID")
    claimed = subject.get("origin")
    if not isinstance(claimed, str) or origin_of(claimed) != origin:
        raise LinkageError("ORIGIN_MISMATCH", f"the credential links the DID to {claimed!r}, not {origin}")
    for name, late in (("nbf", False), ("exp", True)):
        value = claims.get(name)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise LinkageError("MISSING_DATES", f"the credential has no numeric {name}")
        moment = dt.datetime.fromtimestamp(value, dt.UTC)
        if (not late and moment > now + skew) or (late and moment < now - skew):
            raise LinkageError("OUTSIDE_DATES", "the linkage credential is not valid at this time")
    verify_jws(parsed, resolver.resolve(kid, relation="assertionMethod").key)


def verify_linkage(
    did: str,
    origin: str,
    configuration: Any,
    *,
    resolver: DidResolver,
    now: dt.datetime,
    skew: dt.timedelta = dt.timedelta(minutes=5),
) -> None:
    """Raise :class:`LinkageError` unless ``configuration`` (the JSON fetched from ``origin``'s
    well-known URL) holds a valid JWT Domain Linkage Credential of ``did`` for ``origin``."""
    if not isinstance(configuration, Mapping) or not isinstance(configuration.get("linked_dids"), list):
        raise LinkageError("MALFORMED_CONFIGURATION", "the DID configuration has no linked_dids list")
    reasons: list[str] = []
    for entry in configuration["linked_dids"]:
        if not isinstance(entry, str):
            reasons.append("an entry in the Linked Data proof form (not checked)")
            continue
        try:
            parsed = parse_jwt(entry, typs=None)
        except JwtError:
            reasons.append("an entry that is not a JWT")
            continue
        if parsed.payload.get("iss") != did:
            continue
        try:
            _check_entry(entry, did, origin, resolver, now, skew)
        except LinkageError as exc:
            reasons.append(str(exc))
        except KeyResolutionError as exc:
            reasons.append(f"its key could not be resolved ({exc})")
        except (ProofsError, ValueError, OverflowError, OSError) as exc:
            reasons.append(f"its signature does not verify ({exc})")
        else:
            return
    if not reasons:
        raise LinkageError("NOT_LINKED", f"{origin} lists no linkage credential for this DID")
    raise LinkageError("INVALID_LINKAGE", f"{origin} does not prove the link: {'; '.join(reasons)}")
