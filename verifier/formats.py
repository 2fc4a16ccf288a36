"""The one place that decides what kind of input is to be verified, and reads it.

The kinds (:class:`Kind`): a JSON-LD credential (an object, or its JSON text), a VC-JWT (a compact JWS),
an SD-JWT VC (``dc+sd-jwt``: a JWS followed by ``~``-separated disclosures), a Verifiable Presentation
(recognized, not verified here), an ``EnvelopedVerifiableCredential`` (VCDM 2.0 §4.13: a ``data:`` URL
around one of the text forms), and the baked badge images of OB 3.0 §5.3 (PNG, SVG).

* :func:`detect` names the kind of anything given: bytes (an uploaded file, a fetched image), text, or
  a JSON object. Garbage is :attr:`Kind.UNKNOWN`.
* :func:`read_credential` reads what the verifier is given (text or a JSON object) into a
  :class:`CredentialInput`, or raises :class:`~verifier.result.UnreadableCredential`, also for what is
  malformed beyond reading (a member name twice, a value or proof set larger than any genuine one:
  :mod:`verifier.limits`).
* :func:`credential_from_file` takes the credential text out of an uploaded or fetched file (a baked
  image is unbaked; a credential file is read as it is).

Pure: no I/O.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal
from urllib.parse import unquote

from media import baking
from proofs.vc_jwt import JwtError, ParsedJwt, parse_jwt
from verifier.fields import types_of
from verifier.limits import MAX_VALUES, check_limits, jwt_refusal, parse_json
from verifier.result import UnreadableCredential

__all__ = [
    "MAX_CREDENTIAL_BYTES",
    "MAX_FILE_BYTES",
    "CredentialInput",
    "Kind",
    "credential_from_file",
    "detect",
    "envelope_problem",
    "read_credential",
]

MAX_CREDENTIAL_BYTES = 1_048_576  # a credential as text (UTF-8)
MAX_FILE_BYTES = 10 * 1024 * 1024  # an uploaded file (a baked image, or a credential file)

_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
# The compact SD-JWT (RFC 9901 §4): an issuer-signed JWS, then ``~``-separated base64url disclosures and
# an optional KB-JWT. Only its characters are required here; the SD-JWT reader judges the parts.
# Possessive: a near miss (900 KB of base64url and no "~") fails in one pass, without backtracking (19 ms).
_SD_JWT = re.compile(r"[A-Za-z0-9_-]++\.[A-Za-z0-9_-]++\.[A-Za-z0-9_-]++(?:~[A-Za-z0-9_.-]*+)++")
_ENVELOPED = "EnvelopedVerifiableCredential"
_VC_V2 = "https://www.w3.org/ns/credentials/v2"
_BOM = b"\xef\xbb\xbf"


class Kind(StrEnum):
    """What an input is."""

    CREDENTIAL = "json-ld"  # a JSON-LD credential: a JSON object whose type has VerifiableCredential
    VC_JWT = "vc-jwt"  # a compact JWS (VC-JOSE-COSE, or the VCDM 1.1 ``vc`` claim)
    SD_JWT_VC = "dc+sd-jwt"  # an SD-JWT VC, compact, with its disclosures (and a KB-JWT when presented)
    PRESENTATION = "presentation"  # a Verifiable Presentation: not a credential, not verified here
    ENVELOPED = "enveloped"  # an EnvelopedVerifiableCredential: its ``id`` is a data: URL of a text form
    PNG = "png"  # a PNG, which may carry a baked credential
    SVG = "svg"  # an SVG, which may carry a baked credential
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class CredentialInput:
    """A credential read for verification: ``kind`` is CREDENTIAL, VC_JWT or SD_JWT_VC."""

    kind: Kind
    credential: dict[str, Any] | None  # JSON-LD: the document; VC-JWT: its credential; SD-JWT VC: None
    jwt: ParsedJwt | None = None  # VC-JWT: the parsed (not yet verified) JWS
    text: str | None = None  # SD-JWT VC: the compact form as given

    @property
    def format(self) -> str:
        """The format the report names."""
        if self.kind is Kind.SD_JWT_VC:
            return "dc+sd-jwt"
        if self.jwt is not None:
            return "vc-jwt (VCDM 1.1)" if self.jwt.legacy else "vc-jwt"
        return "json-ld"


_Syntax = Literal["json", "sd-jwt", "jws"]


def _syntax(text: str) -> _Syntax:
    """How stripped text is to be read: JSON, an SD-JWT (a JWS followed by ``~``-separated parts, in
    base64url characters only), else as a JWS (garbage is then refused as an unreadable JWS)."""
    if text.startswith("{"):
        return "json"
    if _SD_JWT.fullmatch(text):
        return "sd-jwt"
    return "jws"


def _object_kind(document: Mapping[str, Any]) -> Kind:
    if document.get("type") == _ENVELOPED:
        return Kind.ENVELOPED
    types = types_of(document.get("type"))
    if "VerifiableCredential" in types:
        return Kind.CREDENTIAL
    if "VerifiablePresentation" in types:
        return Kind.PRESENTATION
    return Kind.UNKNOWN


def detect(data: bytes | str | Mapping[str, Any]) -> Kind:
    """The kind of ``data``: an uploaded or fetched file (bytes), text, or a JSON object."""
    if isinstance(data, Mapping):
        return _object_kind(data)
    if isinstance(data, bytes):
        sniffed = baking.detect(data)
        if sniffed in ("png", "svg"):
            return Kind(sniffed)
        try:
            text = data.removeprefix(_BOM).decode("utf-8")
        except UnicodeDecodeError:
            return Kind.UNKNOWN
    else:
        text = data
    text = text.strip()
    syntax = _syntax(text)
    if syntax == "json":
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            return Kind.UNKNOWN
        return _object_kind(document) if isinstance(document, dict) else Kind.UNKNOWN
    if text.startswith("<"):  # markup, and not an SVG
        return Kind.UNKNOWN
    if syntax == "sd-jwt":
        return Kind.SD_JWT_VC
    return Kind.VC_JWT if _JWS.fullmatch(text) else Kind.UNKNOWN


def _credential(
    kind: Kind, credential: Any, jwt: ParsedJwt | None = None, *, max_values: int = MAX_VALUES
) -> CredentialInput:
    if not isinstance(credential, dict) or "VerifiableCredential" not in types_of(credential.get("type")):
        raise UnreadableCredential(
            "the document is not a Verifiable Credential (no VerifiableCredential type)"
        )
    check_limits(credential, max_values=max_values)
    return CredentialInput(kind, credential, jwt)


def _read_object(document: Any, *, sd_jwt: bool, unwrap: bool, max_values: int) -> CredentialInput:
    if not isinstance(document, Mapping):
        raise UnreadableCredential("the credential must be a JSON object or a compact JWS")
    if unwrap and _object_kind(document) is Kind.ENVELOPED:
        problem = envelope_problem(document)
        if problem is not None:
            raise UnreadableCredential(
                f"not a valid EnvelopedVerifiableCredential: {problem}",
                type_name="invalid-enveloped-credential",
            )
        # The data: URL's content, read as text; never unwrapped twice.
        content = _data_url_text(document["id"])
        return _read_text(content, sd_jwt=sd_jwt, unwrap=False, max_values=max_values)
    return _credential(Kind.CREDENTIAL, dict(document), max_values=max_values)


def envelope_problem(item: Mapping[str, Any]) -> str | None:
    """What is wrong with an EnvelopedVerifiableCredential object (VCDM 2.0 §4.13.1: its ``@context``
    includes the VC v2 context, and "the id value of the object MUST be a data: URL" [RFC 2397]), or None.
    The one statement of the rule, for a credential sent alone and for one held in a presentation."""
    contexts = item.get("@context")
    listed = [contexts] if isinstance(contexts, str) else contexts if isinstance(contexts, list) else []
    if _VC_V2 not in listed:
        return "its @context must include the VC v2 context, which defines EnvelopedVerifiableCredential"
    content = item.get("id")
    if not isinstance(content, str) or content[:5].lower() != "data:" or "," not in content:
        return "its id must be a data: URL holding the secured credential (RFC 2397)"
    return None


def _data_url_text(url: str) -> str:
    """The text a ``data:`` URL carries (RFC 2397: ``data:[<media type>][;base64],<data>``): base64
    decoded when it says ``;base64``; percent-decoded when it is percent-encoded JSON (``%7B…``); else as
    written (a JWS, or JSON written out as the VC-JOSE-COSE examples do)."""
    header, _, content = url.partition(",")
    if header.lower().endswith(";base64"):
        try:
            return base64.b64decode(unquote(content), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise UnreadableCredential("the data: URL's base64 content cannot be read") from None
    if content[:3].upper() == "%7B":
        try:
            return unquote(content, errors="strict")
        except UnicodeDecodeError:
            raise UnreadableCredential("the data: URL's content is not UTF-8 text") from None
    return content


def _read_text(data: str, *, sd_jwt: bool, unwrap: bool, max_values: int) -> CredentialInput:
    text = data.strip()
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate: not Unicode text (verifier.limits)
        raise UnreadableCredential(
            "the credential holds a lone surrogate: it is not Unicode text", type_name="unreadable-credential"
        ) from None
    if size > MAX_CREDENTIAL_BYTES:
        raise UnreadableCredential("the credential is larger than 1 MiB", type_name="credential-too-large")
    syntax = _syntax(text)
    if syntax == "sd-jwt" and sd_jwt:
        return CredentialInput(Kind.SD_JWT_VC, None, text=text)
    if syntax == "json":  # each member name once: a duplicate is refused (verifier.limits)
        return _read_object(parse_json(text), sd_jwt=sd_jwt, unwrap=unwrap, max_values=max_values)
    try:
        jwt = parse_jwt(text)
    except JwtError as exc:
        raise jwt_refusal(exc) from None
    return _credential(Kind.VC_JWT, jwt.credential, jwt, max_values=max_values)


def read_credential(
    data: str | Mapping[str, Any], *, sd_jwt: bool = True, max_values: int = MAX_VALUES
) -> CredentialInput:
    """Read what is to be verified: a JSON object, or text (JSON, a compact JWS, an SD-JWT VC). An
    enveloped credential is read from its ``data:`` URL. With ``sd_jwt=False`` (a verifier without the
    SD-JWT VC checks) an SD-JWT is read as a JWS, and refused. ``max_values``: the most JSON values a
    credential may hold (:func:`verifier.limits.check_limits`)."""
    if isinstance(data, str):
        return _read_text(data, sd_jwt=sd_jwt, unwrap=True, max_values=max_values)
    return _read_object(data, sd_jwt=sd_jwt, unwrap=True, max_values=max_values)


def credential_from_file(raw: bytes) -> str:
    """The credential text in an uploaded or fetched file: a credential file as it is, or unbaked from a
    PNG or SVG badge. Raises :class:`UnreadableCredential` (its ``type_name``: ``credential-too-large``,
    ``unreadable-credential``, ``invalid-badge-image``, ``not-a-baked-badge``)."""
    if len(raw) > MAX_FILE_BYTES:
        raise UnreadableCredential("the input is larger than 10 MiB", type_name="credential-too-large")
    kind = detect(raw)
    if kind is Kind.UNKNOWN:
        raise UnreadableCredential("the input is not a credential, a PNG or an SVG")
    try:
        if kind is Kind.PNG:
            found = baking.unbake_png(raw)
        elif kind is Kind.SVG:
            found = baking.unbake_svg(raw.decode("utf-8"))
        else:
            found = raw.removeprefix(_BOM).decode("utf-8")  # RFC 8259 §8.1: a BOM may be ignored
    except (baking.BakingError, UnicodeDecodeError) as exc:
        raise UnreadableCredential(
            f"the badge image could not be read: {exc}", type_name="invalid-badge-image"
        ) from None
    if found is None:
        raise UnreadableCredential(
            "the image carries no Open Badges credential", type_name="not-a-baked-badge"
        )
    return found
