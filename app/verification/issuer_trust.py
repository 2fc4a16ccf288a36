"""Who the issuer of a verified credential provably is (issue 18): whether it is on a trust list this
deployment uses (:func:`app.trust.service.trust_entries`), which web origins its DID is linked to by DIF
Well Known DID Configuration, and whether its name looks like a known issuer's.

Candidate origins: the ``url`` the issuer's profile in the credential names, and the ``LinkedDomains``
services of its DID document. Each origin's ``/.well-known/did-configuration.json`` is read through the
guarded client (this service's own from the database, never fetched), kept in the DID cache (an origin
that answers 404 or 410 publishes none, and is not asked again for the cache's TTL; one that could not
be fetched, a 5xx or a timeout, is reported so and asked again after a few seconds), and checked by
:func:`verifier.domain_linkage.verify_linkage`. Only an issuer whose signature check passed is assessed:
an unproven issuer claim says nothing of who signed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from app.http_client import FetchError
from app.state import AppState
from app.trust import service as trust
from app.verification.sources import did_document, make_resolver
from verifier import KeyResolutionError, VerificationResult
from verifier.domain_linkage import LinkageError, configuration_url, origin_of, verify_linkage
from verifier.result import IssuerClaim
from verifier.trust import IssuerTrust, assess_issuer

__all__ = ["assess"]

_MAX_ORIGINS = 3
# What the DID cache keeps for an origin: its document, or why there is none.
_DOCUMENT = "document "  # + the text fetched (kept the cache's TTL)
_ABSENT = "\0absent"  # 404 or 410: the origin publishes none (kept the cache's TTL)
_NOT_TEXT = "\0not-text"  # an answer that is not UTF-8 text (kept the cache's TTL)
_UNAVAILABLE = "\0unavailable "  # + why: no answer about the document (kept _UNAVAILABLE_SECONDS)
_UNAVAILABLE_SECONDS = 15.0
_ABSENT_STATUSES = frozenset({404, 410})


def _issuer(result: VerificationResult) -> IssuerClaim | None:
    """The issuer the checks judged (:meth:`VerificationResult.issuer`), when its signature check passed."""
    check = result.check("issuer")
    if check is None or check.outcome != "passed":
        return None
    return result.issuer()


def _candidate_origins(state: AppState, session: Session, did: str, profile: Mapping[str, Any]) -> list[str]:
    origins: list[str] = []
    url = profile.get("url")
    if isinstance(url, str) and (origin := origin_of(url)) is not None and url.startswith("https://"):
        origins.append(origin)
    if did.startswith("did:web:"):
        try:
            document = did_document(state, session, did)
        except KeyResolutionError:
            document = {}
        services = document.get("service")
        for service in services if isinstance(services, list) else []:
            if not isinstance(service, Mapping) or service.get("type") != "LinkedDomains":
                continue
            endpoint = service.get("serviceEndpoint")
            found = endpoint.get("origins") if isinstance(endpoint, Mapping) else endpoint
            for item in found if isinstance(found, list) else [found]:
                if (
                    isinstance(item, str)
                    and (origin := origin_of(item)) is not None
                    and item.startswith("https")
                ):
                    origins.append(origin)
    return list(dict.fromkeys(origins))[:_MAX_ORIGINS]


def _configuration(state: AppState, session: Session, origin: str, now: dt.datetime) -> Any:
    if origin == trust.own_origin(state.settings):
        return trust.own_did_configuration(session, state.settings, state.custody, now=now)
    key = f"did-configuration {origin}"
    cached = state.did_cache.get(key)
    if cached is None:
        max_age: float | None = None  # the cache's TTL
        try:
            body = state.http.get(configuration_url(origin), accept="application/json").body
            cached = _DOCUMENT + body.decode("utf-8")
        except FetchError as exc:
            if exc.status in _ABSENT_STATUSES:
                cached = _ABSENT
            else:
                # No answer about the document (a 5xx, a timeout, a refused address): said so, and kept
                # only briefly, so that a later verification asks again.
                cached, max_age = _UNAVAILABLE + str(exc), _UNAVAILABLE_SECONDS
        except UnicodeDecodeError:
            cached = _NOT_TEXT
        except RuntimeError:
            # httpx's client closed under us (the app shutting down). The trust section only informs; a
            # domain that could not be read is reported unverified, never a failed request.
            cached, max_age = _UNAVAILABLE + "the service is stopping", 0
        state.did_cache.put(key, cached, max_age=max_age)
    if cached.startswith(_UNAVAILABLE):
        reason = cached.removeprefix(_UNAVAILABLE)
        raise LinkageError(
            "UNAVAILABLE", f"the DID configuration of {origin} could not be fetched ({reason})"
        )
    if cached == _ABSENT:
        raise LinkageError("NOT_PUBLISHED", f"{origin} publishes no DID configuration")
    try:
        if not cached.startswith(_DOCUMENT):  # _NOT_TEXT
            raise ValueError(cached)
        return json.loads(cached.removeprefix(_DOCUMENT))
    except (ValueError, RecursionError):
        raise LinkageError(
            "MALFORMED_CONFIGURATION", f"the DID configuration of {origin} is not JSON"
        ) from None


def assess(
    state: AppState, session: Session, result: VerificationResult, *, now: dt.datetime
) -> IssuerTrust | None:
    """The issuer trust section of ``result`` (None when the issuer is not proven)."""
    found = _issuer(result)
    if found is None:
        return None
    issuer_id, name, profile = found.id, found.name, found.profile
    domains: list[str] = []
    failures: dict[str, str] = {}
    if state.settings.domain_linkage and issuer_id.startswith("did:"):
        resolver = make_resolver(state, session)
        skew = dt.timedelta(seconds=state.settings.verify_clock_skew_seconds)
        for origin in _candidate_origins(state, session, issuer_id, profile):
            try:
                configuration = _configuration(state, session, origin, now)
                verify_linkage(issuer_id, origin, configuration, resolver=resolver, now=now, skew=skew)
            except LinkageError as exc:
                failures[origin] = str(exc)
            else:
                domains.append(origin)
    assessed = assess_issuer(
        issuer_id, name, entries=trust.trust_entries(session, state.settings), domains=domains
    )
    assessed.domain_failures.update(failures)
    return assessed
