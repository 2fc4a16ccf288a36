"""Wiring for the verifier: where DID documents, status lists and credential URLs come from.

Our own tenants' DID documents and status lists are read from the database (the same documents we
publish); everything else goes through the one guarded HTTP client. Fetched status lists are cached
in memory for the list's ``Cache-Control`` max-age (BSL v1.0 §3.2 verifiers SHOULD cache).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from sqlalchemy.orm import Session

from app.credentials import sd_jwt_vc
from app.credentials import service as issuance
from app.deps import ClockDep, CustodyDep, SessionDep, SettingsDep
from app.errors import BadRequest, NotFound
from app.http_client import FetchError, GuardedClient
from app.keys import service as keys
from app.keys.x5c import CertificateAuthority
from app.keystore import KeyCustody
from app.settings import Settings
from app.state import app_state
from app.status import publish as status_publish
from app.tenants import service as tenants
from app.verification import service as verification
from app.verification.cache import TtlCache
from media import baking
from proofs.did import did_web_document_url
from proofs.jsonld import DocumentLoader
from verifier.keys import DidResolver, KeyResolutionError
from verifier.sd_jwt_vc import SdJwtVcChecks
from verifier.verify import Identity, UnreadableCredential, VerificationResult, Verifier

_STATUS_PATH = re.compile(r"^/status/([a-z0-9-]+)/(\d+)/([a-z]+)$")


_CREDENTIAL_PATH = re.compile(r"^/credentials/([0-9a-fA-F-]{36})$")


_OWN_DID = re.compile(r"^issuers:([a-z0-9-]+)$")


def _local_path(settings: Settings, url: str) -> str | None:
    """The path of ``url`` if it is under our public base URL."""
    base = settings.public_base_url
    if url.startswith(base + "/"):
        return url[len(base) :].split("?", 1)[0].split("#", 1)[0]
    return None


def make_verifier(
    session: Session,
    settings: Settings,
    custody: KeyCustody,
    loader: DocumentLoader,
    http: GuardedClient,
    cache: TtlCache[str],
    did_cache: TtlCache[str],
    ca: CertificateAuthority,
    trust_anchors: Sequence[bytes],
) -> Verifier:
    own_prefix = f"did:web:{settings.did_web_host}:"
    base_parts = [p for p in settings.base_path.split("/") if p]

    def fetch_did_web(did: str) -> Mapping[str, Any]:
        if did.startswith(own_prefix):
            rest = did.removeprefix(own_prefix)
            prefix = ":".join(base_parts)
            rest = rest.removeprefix(prefix + ":") if prefix else rest
            match = _OWN_DID.match(rest)
            if match:
                try:
                    tenant = tenants.get_by_slug(session, match.group(1))
                except NotFound:
                    raise KeyResolutionError("DID_NOT_FOUND", "no such issuer here") from None
                return keys.published_did_document(session, settings, tenant)
        cached = did_cache.get(did)
        try:
            if cached is None:
                cached = http.get(
                    did_web_document_url(did), accept="application/did+json, application/json"
                ).body.decode()
            document = json.loads(cached)
        except (FetchError, ValueError) as exc:
            raise KeyResolutionError(
                "DID_RESOLUTION_FAILED", f"could not fetch the DID document: {exc}"
            ) from None
        if not isinstance(document, dict) or document.get("id") != did:
            raise KeyResolutionError("DID_MISMATCH", "the fetched DID document is for another DID")
        did_cache.put(did, cached)
        return document

    def fetch_status_list(url: str) -> str:
        path = _local_path(settings, url)
        match = _STATUS_PATH.match(path or "")
        if match:
            tenant = tenants.get_by_slug(session, match.group(1))
            published = status_publish.published_list(
                session,
                settings,
                custody,
                loader,
                tenant,
                sequence=int(match.group(2)),
                purpose=match.group(3),
                jwt=False,
            )
            return published.content
        cached = cache.get(url)
        if cached is not None:
            return cached
        result = http.get(url, accept="application/vc+ld+json, application/vc+jwt, application/json")
        text = result.body.decode("utf-8")
        cache.put(url, text)
        return text

    def fetch_json(url: str) -> Mapping[str, Any]:
        document = json.loads(http.get(url, accept="application/json").body)
        if not isinstance(document, dict):
            raise ValueError("not a JSON object")
        return document

    def fetch_token_status_list(uri: str) -> str:
        match = _STATUS_PATH.match(_local_path(settings, uri) or "")
        if match and match.group(3) == "tsl":
            tenant = tenants.get_by_slug(session, match.group(1))
            return status_publish.published_list(
                session,
                settings,
                custody,
                loader,
                tenant,
                sequence=int(match.group(2)),
                purpose="tsl",
                jwt=True,
                ca=ca,
            ).content
        return http.get(uri, accept="application/statuslist+jwt").body.decode("utf-8")

    own_vct, own_type_metadata, _integrity = sd_jwt_vc.type_metadata(settings.public_base_url)

    def fetch_type_metadata(vct: str) -> bytes:
        if vct == own_vct:
            return own_type_metadata
        cached = cache.get(vct)
        if cached is None:
            cached = http.get(vct, accept="application/json").body.decode("utf-8")
            cache.put(vct, cached)
        return cached.encode("utf-8")

    sd_jwt = SdJwtVcChecks(
        trust_anchors=trust_anchors,
        fetch_json=fetch_json,
        fetch_text=fetch_token_status_list,
        fetch_type_metadata=fetch_type_metadata,
        skew=dt.timedelta(seconds=settings.verify_clock_skew_seconds),
    )
    return Verifier(
        loader=loader,
        resolver=DidResolver(fetch_did_web),
        fetch_status_list=fetch_status_list,
        sd_jwt=sd_jwt,
        fetch_json=fetch_json,
        skew=dt.timedelta(seconds=settings.verify_clock_skew_seconds),
    )


def fetch_credential(session: Session, settings: Settings, http: GuardedClient, url: str) -> str:
    """The credential at ``url``: ours from the database, others through the guarded client."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        raise BadRequest("the URL must be http(s)", type_name="invalid-url")
    match = _CREDENTIAL_PATH.match(_local_path(settings, url) or "")
    if match:
        credential = issuance.get_credential(session, None, uuid.UUID(match.group(1)))
        return issuance.document(session, credential, prefer_jwt=False).content
    try:
        result = http.get(
            url, accept="application/vc+ld+json, application/vc+jwt, application/ld+json, application/json"
        )
    except FetchError as exc:
        raise BadRequest(
            f"the credential could not be fetched: {exc}", type_name="fetch-failed", code=exc.code
        ) from None
    return result.body.decode("utf-8", errors="replace")


def credential_from_upload(raw: bytes) -> str:
    """The credential in an uploaded file: JSON or a JWS as they are, or unbaked from a PNG / SVG badge."""
    if len(raw) > 10 * 1024 * 1024:
        raise BadRequest("the file is larger than 10 MiB", type_name="credential-too-large")
    kind = baking.detect(raw)
    try:
        if kind == "png":
            found = baking.unbake_png(raw)
        elif kind == "svg":
            found = baking.unbake_svg(raw.decode("utf-8"))
        elif kind in ("json", "jwt"):
            found = raw.decode("utf-8")
        else:
            raise BadRequest(
                "the file is not a credential, a PNG or an SVG", type_name="unreadable-credential"
            )
    except (baking.BakingError, UnicodeDecodeError) as exc:
        raise BadRequest(
            f"the badge image could not be read: {exc}", type_name="invalid-badge-image"
        ) from None
    if found is None:
        raise BadRequest("the image carries no Open Badges credential", type_name="not-a-baked-badge")
    return found


def badge_image(
    http: GuardedClient, cache: TtlCache[bytes], credential: Mapping[str, Any], kind: str
) -> bytes | None:
    """The achievement's (else the issuer's) image, when it is an https PNG or SVG, to bake into."""
    subject = credential.get("credentialSubject") or {}
    candidates = [
        ((subject.get("achievement") or {}) if isinstance(subject, dict) else {}).get("image"),
        (credential.get("issuer") or {}).get("image") if isinstance(credential.get("issuer"), dict) else None,
    ]
    for image in candidates:
        url = image.get("id") if isinstance(image, dict) else image
        if not isinstance(url, str) or not url.startswith("https://"):
            continue
        body = cache.get(url)
        if body is None:
            try:
                body = http.get(url, accept="image/png, image/svg+xml").body
            except FetchError:
                continue
            cache.put(url, body)
        if baking.detect(body) == kind:
            return body
    return None


def run_verification(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    custody: CustodyDep,
    clock: ClockDep,
    data: str | dict[str, Any],
    *,
    profiles: list[str],
    identity: Identity | None = None,
) -> VerificationResult:
    state = app_state(request.app)
    verifier = verification.make_verifier(
        session,
        settings,
        custody,
        state.loader,
        state.http,
        state.status_cache,
        state.did_cache,
        state.ca,
        state.trust_anchors,
    )
    try:
        return verifier.verify(data, now=clock.now(), profiles=profiles, identity=identity)
    except UnreadableCredential as exc:
        raise BadRequest(str(exc), type_name=exc.type_name) from None
