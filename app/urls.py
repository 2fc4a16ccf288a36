"""The one home of the service's own public URLs and did:web identifiers: minted here, and parsed back
here when a credential, a status list or a DID turns out to be ours (so the verifier reads it from the
database instead of fetching it from itself).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from urllib.parse import quote

from app.db.models import CredentialOffer, PresentationRequest, StatusList, Tenant
from app.settings import Settings
from proofs.did import did_web

__all__ = [
    "OwnStatusList",
    "achievement_url",
    "credential_url",
    "is_own_url",
    "issuer_endpoint_url",
    "issuer_identifier",
    "job_url",
    "offer_deep_link",
    "offer_qr_url",
    "offer_url",
    "own_credential_file",
    "own_credential_id",
    "own_did_document_slug",
    "own_did_slug",
    "own_issuer_slug",
    "own_status_list",
    "presentation_deep_link",
    "presentation_request_url",
    "presentation_response_url",
    "presentation_status_url",
    "status_list_url",
    "tenant_did_web",
    "tsl_url",
]

_SLUG = r"[a-z0-9-]+"
_STATUS_PATH = re.compile(rf"^/status/({_SLUG})/(\d+)/([a-z]+)$")
_CREDENTIAL_PATH = re.compile(r"^/credentials/([0-9a-fA-F-]{36})$")
# The files of a credential that carry it: the JSON-LD (or VC-JWT) download and the baked badge images.
_CREDENTIAL_FILE = re.compile(
    r"^/credentials/([0-9a-fA-F-]{36})/(download\.json|download\.jwt|badge\.png|badge\.svg)$"
)
_DID_ISSUER = re.compile(rf"^issuers:({_SLUG})$")
_DID_DOCUMENT_PATH = re.compile(rf"^/issuers/({_SLUG})/did\.json$")
_ISSUER_PATH = re.compile(rf"^/issuers/({_SLUG})$")


# --- minted ---------------------------------------------------------------------------------------


def issuer_identifier(settings: Settings, tenant: Tenant) -> str:
    """The issuer's https identifier: its OpenID4VCI credential issuer, SD-JWT VC ``iss``, x5c SAN URI."""
    return f"{settings.public_base_url}/issuers/{tenant.slug}"


def issuer_endpoint_url(settings: Settings, tenant: Tenant, name: str) -> str:
    """The public URL of the issuer's OpenID4VCI / OAuth endpoint ``name`` (what DPoP ``htu`` names)."""
    return f"{issuer_identifier(settings, tenant)}/oid4vci/{name}"


def tenant_did_web(settings: Settings, tenant: Tenant) -> str:
    """did:web:HOST[:base path]:issuers:SLUG (did:web §3.1)."""
    base = [p for p in settings.base_path.split("/") if p]
    return did_web(settings.did_web_host, *base, "issuers", tenant.slug)


def credential_url(settings: Settings, credential_uuid: uuid.UUID) -> str:
    """The credential's ``id``; it serves the credential and its verification page."""
    return f"{settings.public_base_url}/credentials/{credential_uuid}"


def job_url(settings: Settings, tenant: Tenant, job_id: uuid.UUID) -> str:
    """A bulk issuance job of the API (``/results`` appended: its rows' outcomes)."""
    return f"{settings.public_base_url}/v1/issuers/{tenant.slug}/jobs/{job_id}"


def achievement_url(settings: Settings, tenant: Tenant, template_id: uuid.UUID) -> str:
    return f"{settings.public_base_url}/issuers/{tenant.slug}/achievements/{template_id}"


def status_list_url(settings: Settings, tenant: Tenant, status_list: StatusList, purpose: str) -> str:
    """A Bitstring Status List credential (``purpose``: revocation, suspension, message)."""
    return f"{settings.public_base_url}/status/{tenant.slug}/{status_list.sequence}/{purpose}"


def tsl_url(settings: Settings, tenant: Tenant, status_list: StatusList) -> str:
    """The IETF Token Status List token of the same list."""
    return status_list_url(settings, tenant, status_list, "tsl")


def offer_url(settings: Settings, offer: CredentialOffer) -> str:
    return f"{settings.public_base_url}/offers/{offer.id}"


def offer_qr_url(settings: Settings, offer: CredentialOffer) -> str:
    return f"{offer_url(settings, offer)}/qr.svg"


def offer_deep_link(settings: Settings, offer: CredentialOffer) -> str:
    """``openid-credential-offer://`` by reference (a short QR code)."""
    return "openid-credential-offer://?credential_offer_uri=" + quote(offer_url(settings, offer), safe="")


def presentation_request_url(settings: Settings, tenant: Tenant, request: PresentationRequest) -> str:
    """OpenID4VP: the ``request_uri`` (the signed request object, GET or POST) and, below it, the
    employer's page (``/page``) and its QR code (``/qr.svg``)."""
    return f"{settings.public_base_url}/oid4vp/{tenant.slug}/requests/{request.id}"


def presentation_response_url(settings: Settings, tenant: Tenant, request: PresentationRequest) -> str:
    """OpenID4VP: the ``response_uri`` the wallet posts its answer to (direct_post, direct_post.jwt)."""
    return f"{settings.public_base_url}/oid4vp/{tenant.slug}/responses/{request.id}"


def presentation_status_url(settings: Settings, tenant: Tenant, request: PresentationRequest) -> str:
    """The verifier's API resource of the request (its status and result)."""
    return f"{settings.public_base_url}/v1/issuers/{tenant.slug}/presentation-requests/{request.id}"


def presentation_deep_link(settings: Settings, tenant: Tenant, request: PresentationRequest) -> str:
    """``openid4vp://`` with the request by reference (OpenID4VP 1.0 §5.7, JAR), fetched with POST."""
    return (
        "openid4vp://?client_id="
        + quote(request.client_id, safe="")
        + "&request_uri="
        + quote(presentation_request_url(settings, tenant, request), safe="")
        + "&request_uri_method=post"
    )


# --- parsed back ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnStatusList:
    slug: str
    sequence: int
    purpose: str


def _own_path(settings: Settings, url: str) -> str | None:
    """The path of ``url`` if it is under our public base URL."""
    base = settings.public_base_url
    if url.startswith(base + "/"):
        return url[len(base) :].split("?", 1)[0].split("#", 1)[0]
    return None


def own_status_list(settings: Settings, url: str) -> OwnStatusList | None:
    """The list behind ``url`` when it is one of ours (what ``status_list_url``/``tsl_url`` minted)."""
    match = _STATUS_PATH.match(_own_path(settings, url) or "")
    if match is None:
        return None
    return OwnStatusList(slug=match.group(1), sequence=int(match.group(2)), purpose=match.group(3))


def own_credential_id(settings: Settings, url: str) -> uuid.UUID | None:
    """The credential behind ``url`` when it is one of ours (what ``credential_url`` minted)."""
    match = _CREDENTIAL_PATH.match(_own_path(settings, url) or "")
    if match is None:
        return None
    try:
        return uuid.UUID(match.group(1))
    except ValueError:
        return None


def own_credential_file(settings: Settings, url: str) -> tuple[uuid.UUID, str] | None:
    """The credential behind one of its files of ours, and that file's name (``download.json``,
    ``download.jwt``, ``badge.png``, ``badge.svg``)."""
    match = _CREDENTIAL_FILE.match(_own_path(settings, url) or "")
    if match is None:
        return None
    try:
        return uuid.UUID(match.group(1)), match.group(2)
    except ValueError:
        return None


def own_did_slug(settings: Settings, did: str) -> str | None:
    """The tenant slug of a did:web DID of ours (what ``tenant_did_web`` minted)."""
    prefix = f"did:web:{settings.did_web_host}:"
    if not did.startswith(prefix):
        return None
    rest = did.removeprefix(prefix)
    base = ":".join(p for p in settings.base_path.split("/") if p)
    rest = rest.removeprefix(base + ":") if base else rest
    match = _DID_ISSUER.match(rest)
    return match.group(1) if match else None


def own_issuer_slug(settings: Settings, url: str) -> str | None:
    """The tenant slug of an issuer identifier of ours (what ``issuer_identifier`` minted)."""
    match = _ISSUER_PATH.match(_own_path(settings, url) or "")
    return match.group(1) if match else None


def is_own_url(settings: Settings, url: str) -> bool:
    """Whether ``url`` is under our public base URL (the verifier reads those, never fetches them)."""
    return _own_path(settings, url) is not None


def own_did_document_slug(settings: Settings, url: str) -> str | None:
    """The tenant slug of the https address of one of our did:web documents (``/issuers/SLUG/did.json``)."""
    match = _DID_DOCUMENT_PATH.match(_own_path(settings, url) or "")
    return match.group(1) if match else None
