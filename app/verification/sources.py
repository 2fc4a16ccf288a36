"""Where the verifier's documents come from: DID documents, keys published at http(s) URLs (OB 3.0 §8.3
"Dereferencing the Public Key"), status lists (Bitstring and Token Status Lists), JWK Sets and issuer
metadata, and SD-JWT VC Type Metadata.

Our own tenants' DID documents and status lists, and our own credential type, are read from the database
and the code (the same documents we publish: the verifier never fetches from itself, and an http(s) key
under our base URL is looked for only there); everything else goes through the one guarded HTTP client.
Fetched DID documents, key documents, status lists and type metadata are kept in the app's caches for
their time to live (BSL v1.0 §3.2: verifiers SHOULD cache). :func:`make_verifier` wires them into a
:class:`verifier.Verifier` for one request.

One request waits on the network for at most :data:`NETWORK_WAIT_FACTOR` times the HTTP timeout in all;
then it fetches nothing more (FetchError ``network-budget``: a key is not found, a status list not read).
Each fetch is bounded by the timeout, but a bundle names many documents: a CLR bundles up to 250
credentials, a presentation holds 64, a proof set has 16 proofs, a badge carries 8 endorsements, each with
a key (and a status list) of its own; a CLR signed by anyone bundling credentials whose keys sit on 250
did:web hosts that never answer would hold the request, and a worker thread, for 250 timeouts.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from app.credentials import sd_jwt_vc
from app.db.models import Tenant
from app.db.session import READ_ONLY
from app.errors import NotFound
from app.http_client import FetchError, FetchResult
from app.keys import service as keys
from app.keys.x5c import CertificateAuthority
from app.state import AppState
from app.status import publish as status_publish
from app.tenants import service as tenants
from app.urls import (
    OwnStatusList,
    is_own_url,
    own_did_document_slug,
    own_did_slug,
    own_issuer_slug,
    own_status_list,
)
from proofs import strict_json
from proofs.did import did_web_document_url
from proofs.keys import PublicKey
from verifier import DidResolver, KeyResolutionError, SdJwtVcChecks, Verifier

__all__ = ["NETWORK_WAIT_FACTOR", "did_document", "make_resolver", "make_verifier"]

# How long one request may wait on the network in all, in HTTP timeouts (module docstring).
NETWORK_WAIT_FACTOR = 3.0

_STATUS_ACCEPT = "application/vc+ld+json, application/vc+jwt, application/json"
_KEY_ACCEPT = "application/json, application/ld+json, application/did+json"


class _Sources:
    """The fetchers a verifier is given, for one request (``session``) of the app (``state``)."""

    def __init__(self, state: AppState, session: Session) -> None:
        self.state = state
        self.session = session

    def _memo(self, kind: str) -> dict[str, Any]:
        """What this request's session has already read of our own issuers (their tenant rows and DID
        documents): a verification asks for them several times (the proof's key, each status list, the
        issuer trust section), and they do not change within one read-only request."""
        memo: dict[str, Any] = self.session.info.setdefault(f"verification sources: {kind}", {})
        return memo

    def _get(self, url: str, *, accept: str) -> FetchResult:
        """``url`` through the guarded client, unless this request has waited on the network for its
        budget already (FetchError ``network-budget``); the time each fetch takes is counted."""
        waited: list[float] = self.session.info.setdefault("verification sources: network wait", [0.0])
        budget = NETWORK_WAIT_FACTOR * self.state.settings.http_timeout_seconds
        if waited[0] >= budget:
            raise FetchError(
                "network-budget",
                f"not fetched: this verification has already waited {waited[0]:.1f} s on the network",
            )
        start = time.monotonic()
        try:
            return self.state.http.get(url, accept=accept)
        finally:
            waited[0] += time.monotonic() - start

    def _tenant(self, slug: str) -> Tenant:
        memo = self._memo("tenants")
        if slug not in memo:
            memo[slug] = tenants.get_by_slug(self.session, slug)  # NotFound is not remembered
        tenant: Tenant = memo[slug]
        return tenant

    def _own_did_document(self, slug: str) -> Mapping[str, Any]:
        memo = self._memo("did documents")
        if slug not in memo:
            tenants_read = self._memo("tenants")
            if slug in tenants_read:
                tenant = tenants_read[slug]
                memo[slug] = keys.published_did_document(self.session, self.state.settings, tenant)
            else:  # the tenant and its keys in one statement (usually the first this request runs)
                tenant, published = keys.published_did_document_by_slug(
                    self.session, self.state.settings, slug
                )
                tenants_read[slug] = tenant
                memo[slug] = published
        document: Mapping[str, Any] = memo[slug]
        return document

    def withdrawn_key(self, iss: str, key: PublicKey) -> bool:
        """Whether ``key`` is one our issuer ``iss`` has retired: withdrawn from its DID document and
        JWKS, so nothing it signs is the issuer's any more, whatever certificate came with it."""
        slug = own_issuer_slug(self.state.settings, iss)
        if slug is None:
            return False
        try:
            tenant = self._tenant(slug)
        except NotFound:
            return False
        multikey = key.multikey()
        return any(
            row.state == "retired" and row.public_multikey == multikey
            for row in keys.list_keys(self.session, tenant)
        )

    def did_document(self, did: str) -> Mapping[str, Any]:
        """A did:web DID document: ours from the database, others over HTTPS (cached)."""
        settings = self.state.settings
        slug = own_did_slug(settings, did)
        if slug is not None:
            try:
                return self._own_did_document(slug)
            except NotFound:
                raise KeyResolutionError("DID_NOT_FOUND", "no such issuer here") from None
        did_cache = self.state.did_cache
        cached = did_cache.get(did)
        try:
            if cached is None:
                accept = "application/did+json, application/json"
                cached = self._get(did_web_document_url(did), accept=accept).body.decode()
            document = strict_json.loads(cached)  # a member twice: two readings of the keys (refused)
        except (FetchError, ValueError, RecursionError) as exc:
            raise KeyResolutionError(
                "DID_RESOLUTION_FAILED", f"could not fetch the DID document: {exc}"
            ) from None
        if not isinstance(document, dict) or document.get("id") != did:
            raise KeyResolutionError("DID_MISMATCH", "the fetched DID document is for another DID")
        did_cache.put(did, cached)
        return document

    def key_document(self, url: str) -> Mapping[str, Any]:
        """The JSON object at an http(s) key URL (a verification method or its controller's document):
        under our base URL, what we publish there (read from the database, never fetched); others over
        the guarded client (cached, like DID documents)."""
        state = self.state
        if is_own_url(state.settings, url):
            slug = own_did_document_slug(state.settings, url)
            if slug is None:
                raise KeyResolutionError("KEY_NOT_FOUND", f"this service publishes no key document at {url}")
            try:
                return self._own_did_document(slug)
            except NotFound:
                raise KeyResolutionError("KEY_NOT_FOUND", "no such issuer here") from None
        cached = state.did_cache.get(url)
        try:
            if cached is None:
                cached = self._get(url, accept=_KEY_ACCEPT).body.decode("utf-8")
            document = strict_json.loads(cached)  # a member twice: two readings of the key (refused)
        except (FetchError, ValueError, RecursionError) as exc:
            raise KeyResolutionError(
                "KEY_DOCUMENT_UNAVAILABLE", f"could not fetch the key document at {url}: {exc}"
            ) from None
        if not isinstance(document, dict):
            raise KeyResolutionError(
                "KEY_DOCUMENT_UNAVAILABLE", f"the document at {url} is not a JSON object"
            )
        state.did_cache.put(url, cached)
        return document

    def status_list(self, url: str) -> str:
        """A Bitstring Status List credential: ours as we publish it, others over HTTP (cached)."""
        state = self.state
        own = own_status_list(state.settings, url)
        if own is not None:
            return self._own_list(own, jwt=False)
        key = "status list " + url
        cached = state.status_cache.get(key)
        if cached is not None:
            return cached
        fetched = self._get(url, accept=_STATUS_ACCEPT)
        text = fetched.body.decode("utf-8")
        state.status_cache.put(key, text, max_age=_max_age(text, fetched.headers))
        return text

    def token_status_list(self, uri: str) -> str:
        """An IETF Token Status List token: ours as we publish it, others over HTTP."""
        state = self.state
        own = own_status_list(state.settings, uri)
        if own is not None and own.purpose == "tsl":
            return self._own_list(own, jwt=True)
        return self._get(uri, accept="application/statuslist+jwt").body.decode("utf-8")

    def _own_list(self, own: OwnStatusList, *, jwt: bool) -> str:
        """One of our own status lists as we publish it (the JWT forms signed with the CA's chain). A
        read-only request (verification) does not write: a list changed since it was last signed is
        signed and stored in a transaction of its own, as fetching its URL would."""
        state = self.state
        ca = state.ca if jwt else None
        if self.session.info.get(READ_ONLY):
            tenant = self._tenant(own.slug)
            current = status_publish.current_list(
                self.session, tenant, sequence=own.sequence, purpose=own.purpose, jwt=jwt, ca=ca
            )
            if current is not None:
                return current.content
            with state.sessionmaker.begin() as writer:
                return self._publish(writer, tenants.get_by_slug(writer, own.slug), own, jwt=jwt, ca=ca)
        return self._publish(self.session, self._tenant(own.slug), own, jwt=jwt, ca=ca)

    def _publish(
        self,
        session: Session,
        tenant: Tenant,
        own: OwnStatusList,
        *,
        jwt: bool,
        ca: CertificateAuthority | None,
    ) -> str:
        state = self.state
        return status_publish.published_list(
            session,
            state.settings,
            state.custody,
            state.loader,
            tenant,
            sequence=own.sequence,
            purpose=own.purpose,
            jwt=jwt,
            ca=ca,
        ).content

    def json(self, url: str) -> Mapping[str, Any]:
        """A JSON object over HTTP (an issuer's JWK Set or JWT VC Issuer Metadata); KeyResolutionError
        when there is none to be had (the fetch failed or was refused, or the body is not a JSON object)."""
        try:
            document = strict_json.loads(self._get(url, accept="application/json").body)
        except FetchError as exc:
            raise KeyResolutionError("DOCUMENT_UNAVAILABLE", f"could not fetch {url} ({exc.code})") from None
        except (ValueError, RecursionError):
            document = None
        if not isinstance(document, dict):
            raise KeyResolutionError("DOCUMENT_UNAVAILABLE", f"the document at {url} is not a JSON object")
        return document

    def type_metadata(self, vct: str) -> bytes:
        """SD-JWT VC Type Metadata: our own type's exact bytes, others over HTTP (cached)."""
        state = self.state
        own_vct, own_type_metadata, _integrity = sd_jwt_vc.type_metadata(state.settings.public_base_url)
        if vct == own_vct:
            return own_type_metadata
        key = "type metadata " + vct  # the same cache as status lists, which a URL may also name
        cached = state.status_cache.get(key)
        if cached is None:
            fetched = self._get(vct, accept="application/json")
            cached = fetched.body.decode("utf-8")
            state.status_cache.put(key, cached, max_age=_max_age(None, fetched.headers))
        return cached.encode("utf-8")


_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?([0-9]{1,10})\"?\s*(?:,|$)")


def _max_age(text: str | None, headers: Mapping[str, str]) -> float | None:
    """How long a fetched document may be kept (seconds; None: the cache's own limit): not at all with
    ``Cache-Control: no-store`` or ``no-cache`` (RFC 9111 §5.2.2), at most its ``max-age``, and for a
    Bitstring Status List credential at most its ``ttl`` (BSL v1.0 §2.2, milliseconds)."""
    limits: list[float] = []
    control = next((v for k, v in headers.items() if k.lower() == "cache-control"), "").lower()
    directives = {d.strip().split("=")[0].strip() for d in control.split(",")}
    if directives & {"no-store", "no-cache"}:
        return 0
    if (found := _MAX_AGE.search(control)) is not None:
        limits.append(int(found.group(1)))
    if text is not None:
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            document = None
        subject = document.get("credentialSubject") if isinstance(document, dict) else None
        ttl = subject.get("ttl") if isinstance(subject, dict) else None
        if isinstance(ttl, int | float) and not isinstance(ttl, bool) and ttl >= 0:
            limits.append(min(ttl, 10**12) / 1000)  # a JSON integer may be beyond a float's range
    return min(limits) if limits else None


def did_document(state: AppState, session: Session, did: str) -> Mapping[str, Any]:
    """A did:web DID document as the verifier reads it (ours from the database, others cached)."""
    return _Sources(state, session).did_document(did)


def make_resolver(state: AppState, session: Session) -> DidResolver:
    """A key resolver with the app's sources (ours from the database, others through the guarded client)."""
    sources = _Sources(state, session)
    return DidResolver(sources.did_document, sources.key_document)


def make_verifier(state: AppState, session: Session) -> Verifier:
    """A verifier for one request: the app's loader, caches and trust anchors, and :class:`_Sources`."""
    sources = _Sources(state, session)
    skew = dt.timedelta(seconds=state.settings.verify_clock_skew_seconds)
    sd_jwt = SdJwtVcChecks(
        trust_anchors=state.trust_anchors,
        fetch_json=sources.json,
        fetch_text=sources.token_status_list,
        fetch_type_metadata=sources.type_metadata,
        skew=skew,
        withdrawn=sources.withdrawn_key,
    )
    return Verifier(
        loader=state.loader,
        resolver=DidResolver(sources.did_document, sources.key_document),
        fetch_status_list=sources.status_list,
        sd_jwt=sd_jwt,
        fetch_json=sources.json,
        skew=skew,
        verified_lists=state.verified_lists,
        max_values=state.settings.verify_max_values,
    )
