"""All SQL of the OpenID4VCI domain: credential offers, ``c_nonce`` values, the one-time proofs already
seen (DPoP proof and client attestation PoP ``jti`` values), and pushed authorization requests.

Every function takes the tenant and filters on it, except the sweeps of expired nonces and seen
proofs (which clear every tenant's at once) and the public offer read by its id; those run inside
``cross_tenant``. Locks are taken where the caller changes what it read (``with_for_update``).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.models import CredentialOffer, Oid4vciAuthorization, Oid4vciNonce, Oid4vciSeenJti, Tenant
from app.db.tenancy import cross_tenant

__all__ = [
    "add_authorization",
    "add_nonce",
    "add_offer",
    "consume_nonce",
    "delete_expired_authorizations",
    "delete_expired_nonces",
    "delete_expired_seen_jtis",
    "find_offer",
    "find_offer_by_access_token",
    "find_public_offer",
    "lock_authorization_by_code",
    "lock_authorization_by_request_uri",
    "lock_first_offer_of_credential",
    "lock_offer",
    "remember_jti",
]


# -- credential offers ----------------------------------------------------------------------------------
def add_offer(
    session: Session,
    tenant: Tenant,
    *,
    offer_id: uuid.UUID,
    credential_id: uuid.UUID,
    configuration_ids: list[str],
    tx_code_hash: str | None,
    expires_at: dt.datetime,
    created_at: dt.datetime,
    created_by_token_id: uuid.UUID | None,
) -> CredentialOffer:
    """Store a new offer of the tenant (flushed, so that it exists for the audit row)."""
    offer = CredentialOffer(
        id=offer_id,
        tenant_id=tenant.id,
        credential_id=credential_id,
        configuration_ids=configuration_ids,
        tx_code_hash=tx_code_hash,
        tx_code_attempts=0,
        expires_at=expires_at,
        issued_configurations=[],
        created_at=created_at,
        created_by_token_id=created_by_token_id,
    )
    session.add(offer)
    session.flush()
    return offer


def find_offer(session: Session, tenant: Tenant, offer_id: uuid.UUID) -> CredentialOffer | None:
    """The tenant's offer by id."""
    return session.scalars(
        select(CredentialOffer).where(CredentialOffer.id == offer_id, CredentialOffer.tenant_id == tenant.id)
    ).one_or_none()


def find_public_offer(session: Session, offer_id: uuid.UUID) -> CredentialOffer | None:
    """Any tenant's offer by id: the public offer URL names no tenant."""
    with cross_tenant("a public offer URL names the offer by its id alone"):
        return session.scalars(select(CredentialOffer).where(CredentialOffer.id == offer_id)).one_or_none()


def lock_offer(session: Session, tenant: Tenant, offer_id: uuid.UUID) -> CredentialOffer | None:
    """The tenant's offer by id, locked for redeeming it."""
    return session.scalars(
        select(CredentialOffer)
        .where(CredentialOffer.id == offer_id, CredentialOffer.tenant_id == tenant.id)
        .with_for_update()
    ).one_or_none()


def lock_first_offer_of_credential(
    session: Session, tenant: Tenant, credential_id: uuid.UUID
) -> CredentialOffer | None:
    """The first offer made for a credential of the tenant, locked."""
    return session.scalars(
        select(CredentialOffer)
        .where(CredentialOffer.tenant_id == tenant.id, CredentialOffer.credential_id == credential_id)
        .order_by(CredentialOffer.created_at)
        .limit(1)
        .with_for_update()
    ).one_or_none()


def find_offer_by_access_token(
    session: Session, tenant: Tenant, token_hash: str, *, lock: bool
) -> CredentialOffer | None:
    """The tenant's offer whose access token has this hash; locked when ``lock``."""
    stmt = select(CredentialOffer).where(
        CredentialOffer.access_token_hash == token_hash,
        CredentialOffer.tenant_id == tenant.id,
    )
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).one_or_none()


# -- nonces -------------------------------------------------------------------------------------------
def delete_expired_nonces(session: Session, now: dt.datetime) -> None:
    """Forget the nonces that have expired, every tenant's."""
    with cross_tenant("expired c_nonce values of every tenant are swept together"):
        session.execute(delete(Oid4vciNonce).where(Oid4vciNonce.expires_at < now))


def add_nonce(session: Session, tenant: Tenant, nonce_hash: str, expires_at: dt.datetime) -> None:
    session.add(Oid4vciNonce(nonce_hash=nonce_hash, tenant_id=tenant.id, expires_at=expires_at))


def consume_nonce(session: Session, tenant: Tenant, nonce_hash: str, now: dt.datetime) -> bool:
    """Spend the tenant's nonce (deleted at once); False when it is unknown, used or expired."""
    row = session.scalars(
        select(Oid4vciNonce)
        .where(Oid4vciNonce.nonce_hash == nonce_hash, Oid4vciNonce.tenant_id == tenant.id)
        .with_for_update()
    ).one_or_none()
    if row is None or row.expires_at < now:
        return False
    session.delete(row)
    session.flush()
    return True


# -- one-time proofs already seen ------------------------------------------------------------------------
def delete_expired_seen_jtis(session: Session, now: dt.datetime) -> None:
    """Forget the one-time proofs that could no longer be accepted anyway, every tenant's."""
    with cross_tenant("expired one-time proof jti values of every tenant are swept together"):
        session.execute(delete(Oid4vciSeenJti).where(Oid4vciSeenJti.expires_at < now))


def remember_jti(session: Session, tenant: Tenant, jti_hash: str, expires_at: dt.datetime) -> bool:
    """Record a one-time proof for the tenant (in a savepoint); False if it was recorded before."""
    seen = Oid4vciSeenJti(jti_hash=jti_hash, tenant_id=tenant.id, expires_at=expires_at)
    try:
        with session.begin_nested():
            session.add(seen)
    except IntegrityError:
        return False
    return True


# -- pushed authorization requests ------------------------------------------------------------------------
def delete_expired_authorizations(session: Session, tenant: Tenant, before: dt.datetime) -> None:
    """Forget the tenant's pushed requests that expired before ``before``."""
    session.execute(
        delete(Oid4vciAuthorization).where(
            Oid4vciAuthorization.tenant_id == tenant.id,
            Oid4vciAuthorization.expires_at < before,
        )
    )


def add_authorization(
    session: Session,
    tenant: Tenant,
    *,
    offer_id: uuid.UUID,
    request_uri_hash: str,
    client_id: str,
    redirect_uri: str,
    code_challenge: str,
    configuration_ids: list[str],
    authorization_details: list[str],
    state: str | None,
    dpop_jkt: str | None,
    expires_at: dt.datetime,
    created_at: dt.datetime,
) -> None:
    """Store a pushed authorization request of the tenant."""
    session.add(
        Oid4vciAuthorization(
            tenant_id=tenant.id,
            offer_id=offer_id,
            request_uri_hash=request_uri_hash,
            client_id=client_id,
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
            configuration_ids=configuration_ids,
            authorization_details=authorization_details,
            state=state,
            dpop_jkt=dpop_jkt,
            expires_at=expires_at,
            created_at=created_at,
        )
    )


def lock_authorization_by_request_uri(
    session: Session, tenant: Tenant, request_uri_hash: str
) -> Oid4vciAuthorization | None:
    """The tenant's pushed request by the hash of its ``request_uri``, locked."""
    return session.scalars(
        select(Oid4vciAuthorization)
        .where(
            Oid4vciAuthorization.request_uri_hash == request_uri_hash,
            Oid4vciAuthorization.tenant_id == tenant.id,
        )
        .with_for_update()
    ).one_or_none()


def lock_authorization_by_code(
    session: Session, tenant: Tenant, code_hash: str
) -> Oid4vciAuthorization | None:
    """The tenant's pushed request by the hash of the authorization code it gave, locked."""
    return session.scalars(
        select(Oid4vciAuthorization)
        .where(
            Oid4vciAuthorization.code_hash == code_hash,
            Oid4vciAuthorization.tenant_id == tenant.id,
        )
        .with_for_update()
    ).one_or_none()
