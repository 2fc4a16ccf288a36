"""What the verification endpoints are given, turned into credential text: a credential fetched by its URL
(ours from the database, others through the guarded client), or the credential in an uploaded file (read
by :func:`verifier.formats.credential_from_file`: a credential file, or a baked PNG / SVG badge).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from app.credentials import service as issuance
from app.errors import BadRequest
from app.http_client import FetchError, GuardedClient
from app.settings import Settings
from app.urls import own_credential_file, own_credential_id
from verifier import UnreadableCredential, credential_from_file

__all__ = ["credential_from_upload", "fetch_credential"]

_CREDENTIAL_ACCEPT = (
    "application/vc+ld+json, application/vc+jwt, application/ld+json, application/json, "
    "image/svg+xml;q=0.8, image/png;q=0.8"
)


def fetch_credential(session: Session, settings: Settings, http: GuardedClient, url: str) -> str:
    """The credential at ``url``: ours from the database, others through the guarded client, their body read
    as an uploaded file is (:func:`credential_from_upload`: a baked badge image is unbaked)."""
    try:
        scheme = urlsplit(url).scheme
    except ValueError:  # e.g. an unclosed IPv6 literal: "https://[::1"
        raise BadRequest("the URL cannot be parsed", type_name="invalid-url") from None
    if scheme not in ("https", "http"):
        raise BadRequest("the URL must be http(s)", type_name="invalid-url")
    own = own_credential_id(settings, url)
    # Ours (the credential, or a file that carries it): read from the database, never fetched from ourselves,
    # as that URL serves it (a badge only when the credential has one).
    found = (own, "") if own is not None else own_credential_file(settings, url)
    if found is not None:
        credential = issuance.get_credential(session, None, found[0])
        if found[1].startswith("badge."):
            return issuance.badge_document(session, credential).content
        return issuance.document(session, credential, prefer_jwt=found[1] == "download.jwt").content
    try:
        result = http.get(url, accept=_CREDENTIAL_ACCEPT)
    except FetchError as exc:
        raise BadRequest(
            f"the credential could not be fetched: {exc}", type_name="fetch-failed", code=exc.code
        ) from None
    # Read as an uploaded file is: a baked PNG or SVG badge is unbaked, text is taken as it is (strict UTF-8).
    return credential_from_upload(result.body)


def credential_from_upload(raw: bytes) -> str:
    """The credential in an uploaded file: JSON or a JWS as they are, or unbaked from a PNG / SVG badge."""
    try:
        return credential_from_file(raw)
    except UnreadableCredential as exc:
        raise BadRequest(str(exc), type_name=exc.type_name) from None
