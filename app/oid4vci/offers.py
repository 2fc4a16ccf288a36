"""Credential offers (OpenID4VCI §4.1): made for an issued credential, replayed for an idempotent
issuance, read (by the institution, or publicly by id), revoked, shown as an offer document and a claim
page, and redeemed once, by either grant, for an access token.

Offers are single use and expire (``OFFER_TTL``). An offer may carry a transaction code (six digits,
shown once, stored hashed); a wrong one counts as an attempt, and after ``TX_CODE_ATTEMPTS`` the offer
is burnt. Its access token is stored hashed and lives ``TOKEN_TTL``; when the token request came with a
DPoP proof, the token is bound to the proof's key.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import secrets
import uuid
from typing import Any

from sqlalchemy.orm import Session

from app import urls
from app.audit import service as audit
from app.credentials import service as issuance
from app.credentials.holder import check_deliverable
from app.db.models import Credential, CredentialOffer, Tenant
from app.db.tenancy import cross_tenant
from app.errors import Conflict, NotFound, ValidationFailed
from app.oid4vci import repository
from app.oid4vci.codes import issuer_state, new_tx_code, pre_authorized_code, secret_hash, tx_code_hash
from app.oid4vci.metadata import (
    AUTHORIZATION_CODE_GRANT,
    CONFIGURATIONS,
    FORMAT_CONFIGURATION,
    PRE_AUTH_GRANT,
)
from app.settings import Settings
from app.tenants import service as tenants
from app.tokens.auth import Principal
from app.webhooks import service as webhooks
from issuer.wallet.dpop import DpopProof

__all__ = [
    "claim_page",
    "grant_access_token",
    "issuance_offer",
    "offer_credential",
    "offer_document",
    "offer_out",
    "public_offer",
    "revoke_offer",
    "tx_code_matches",
    "usable",
]

OFFER_TTL = dt.timedelta(days=14)


TOKEN_TTL = dt.timedelta(minutes=10)


TX_CODE_ATTEMPTS = 3


def usable(offer: CredentialOffer, now: dt.datetime) -> bool:
    """Whether the offer may still be redeemed: not revoked, not redeemed, not expired."""
    return offer.revoked_at is None and offer.redeemed_at is None and offer.expires_at > now


# -- what the wallet and the institution see ---------------------------------------------------------------
def offer_document(
    session: Session, settings: Settings, offer: CredentialOffer, lookup_key: bytes
) -> dict[str, Any]:
    """The Credential Offer (OpenID4VCI §4.1.1) a wallet fetches by reference (``credential_offer_uri``)."""
    tenant = tenants.get_by_id(session, offer.tenant_id)
    grant: dict[str, Any] = {"pre-authorized_code": pre_authorized_code(lookup_key, offer.id)}
    if offer.tx_code_hash is not None:
        grant["tx_code"] = {
            "input_mode": "numeric",
            "length": 6,
            "description": "Enter the 6-digit code your institution gave you",
        }
    return {
        "credential_issuer": urls.issuer_identifier(settings, tenant),
        "credential_configuration_ids": list(offer.configuration_ids),
        "grants": {
            AUTHORIZATION_CODE_GRANT: {"issuer_state": issuer_state(lookup_key, offer.id)},
            PRE_AUTH_GRANT: grant,
        },
    }


def offer_out(settings: Settings, offer: CredentialOffer, tx_code: str | None) -> dict[str, Any]:
    """What the institution gets for an offer: deep link, QR codes, claim page; ``tx_code`` (shown
    only here, once) when the offer has one."""
    base = urls.offer_url(settings, offer)
    out: dict[str, Any] = {
        "id": str(offer.id),
        "offer_uri": urls.offer_deep_link(settings, offer),
        "credential_offer_uri": base,
        "claim_page_url": f"{base}/claim",
        "qr_svg_url": f"{base}/qr.svg",
        "qr_png_url": f"{base}/qr.png",
        "configurations": list(offer.configuration_ids),
        "expires_at": offer.expires_at.isoformat(),
        "redeemed_at": offer.redeemed_at.isoformat() if offer.redeemed_at else None,
        "revoked_at": offer.revoked_at.isoformat() if offer.revoked_at else None,
    }
    if tx_code is not None:
        out["tx_code"] = tx_code
    return out


def public_offer(session: Session, offer_id: uuid.UUID, now: dt.datetime) -> CredentialOffer:
    """An offer by its public URL (any tenant's): ``NotFound``, or ``Conflict`` once it is not usable."""
    offer = repository.find_public_offer(session, offer_id)
    if offer is None:
        raise NotFound("no such offer", type_name="offer-not-found")
    if not usable(offer, now):
        raise Conflict("this offer was used, revoked or has expired", type_name="offer-not-usable")
    return offer


def claim_page(session: Session, settings: Settings, offer: CredentialOffer) -> dict[str, Any]:
    """What the learner's claim page shows of a public offer: the achievement and its issuer, the deep
    link and its QR code, whether a transaction code will be asked, and the credential's own page."""
    with cross_tenant("the claim page reads the credential its public offer names"):
        row = issuance.get_credential(session, None, offer.credential_id)
        document = issuance.document(session, row, prefer_jwt=False)
    vc = json.loads(document.content)
    return {
        "achievement": (vc.get("credentialSubject") or {}).get("achievement") or {},
        "issuer_name": (vc.get("issuer") or {}).get("name", ""),
        "offer_uri": urls.offer_deep_link(settings, offer),
        "qr_url": urls.offer_qr_url(settings, offer),
        "has_tx_code": offer.tx_code_hash is not None,
        "credential_page": urls.credential_url(settings, row.id),
    }


# -- the institution's offers --------------------------------------------------------------------------
def create_offer(
    session: Session,
    settings: Settings,
    tenant: Tenant,
    credential: Credential,
    *,
    formats: list[str],
    with_tx_code: bool,
    actor: Principal | None,
    now: dt.datetime,
) -> tuple[CredentialOffer, str | None]:
    """Store an offer for ``credential``; returns it and the transaction code (shown once). A
    credential that cannot be copied in every offered format is refused here, with the problem the
    wallet would otherwise meet at the credential endpoint (:func:`check_deliverable`)."""
    if credential.status != "active" or credential.derived_from_id is not None:
        raise Conflict(
            "only an active, originally issued credential can be offered", type_name="not-offerable"
        )
    unknown = [f for f in formats if f not in FORMAT_CONFIGURATION]
    if unknown or not formats:
        raise ValidationFailed(
            f"unsupported format(s) for wallets: {', '.join(unknown) or 'none given'}",
            type_name="unsupported-format",
            allowed=sorted(FORMAT_CONFIGURATION),
        )
    configurations = list(dict.fromkeys(FORMAT_CONFIGURATION[f] for f in formats))
    check_deliverable(
        session, settings, tenant, credential, [CONFIGURATIONS[c].issue_format for c in configurations]
    )
    tx_code = new_tx_code() if with_tx_code else None
    offer_id = uuid.uuid4()
    offer = repository.add_offer(
        session,
        tenant,
        offer_id=offer_id,
        credential_id=credential.id,
        configuration_ids=configurations,
        tx_code_hash=tx_code_hash(offer_id, tx_code) if tx_code is not None else None,
        expires_at=now + OFFER_TTL,
        created_at=now,
        created_by_token_id=actor.token_id if actor else None,
    )
    audit.record(
        session,
        actor=actor,
        action="offer.create",
        target_type="offer",
        target_id=str(offer.id),
        tenant_id=tenant.id,
        details={
            "credential": str(credential.id),
            "configurations": offer.configuration_ids,
            "tx_code": tx_code is not None,
        },
    )
    return offer, tx_code


def offer_credential(
    session: Session,
    settings: Settings,
    tenant: Tenant,
    credential_id: uuid.UUID,
    *,
    formats: list[str],
    with_tx_code: bool,
    actor: Principal | None,
    now: dt.datetime,
) -> tuple[CredentialOffer, str | None]:
    """An offer for one of the tenant's credentials, by its id (``NotFound`` for another tenant's)."""
    credential = issuance.get_credential(session, tenant, credential_id)
    return create_offer(
        session,
        settings,
        tenant,
        credential,
        formats=formats,
        with_tx_code=with_tx_code,
        actor=actor,
        now=now,
    )


def issuance_offer(
    session: Session,
    settings: Settings,
    tenant: Tenant,
    credential: Credential,
    *,
    formats: list[str],
    with_tx_code: bool,
    replay: bool,
    actor: Principal | None,
    now: dt.datetime,
) -> tuple[CredentialOffer, str | None] | None:
    """The offer an issuance request asked for: a new one, or for an idempotent replay the one the
    first request made (see :func:`_replayed_offer`)."""
    if not replay:
        return create_offer(
            session,
            settings,
            tenant,
            credential,
            formats=formats,
            with_tx_code=with_tx_code,
            actor=actor,
            now=now,
        )
    return _replayed_offer(session, tenant, credential, actor=actor, now=now)


def _replayed_offer(
    session: Session, tenant: Tenant, credential: Credential, *, actor: Principal | None, now: dt.datetime
) -> tuple[CredentialOffer, str | None] | None:
    """For an idempotent replay of an issuance that made an offer: that same offer, with a fresh
    transaction code (the first one is stored only hashed). None when the offer is gone (redeemed,
    revoked, expired)."""
    offer = repository.lock_first_offer_of_credential(session, tenant, credential.id)
    if offer is None or not usable(offer, now):
        return None
    tx_code = None
    if offer.tx_code_hash is not None:
        tx_code = new_tx_code()
        offer.tx_code_hash = tx_code_hash(offer.id, tx_code)
        offer.tx_code_attempts = 0
        audit.record(
            session,
            actor=actor,
            action="offer.tx_code_reissued",
            target_type="offer",
            target_id=str(offer.id),
            tenant_id=tenant.id,
        )
    return offer, tx_code


def revoke_offer(
    session: Session, tenant: Tenant, offer_id: uuid.UUID, *, actor: Principal | None, now: dt.datetime
) -> CredentialOffer:
    """Revoke the tenant's offer (``NotFound`` for another tenant's, as for one that does not exist);
    revoking it again keeps the time it was first revoked. Audited either way."""
    offer = repository.find_offer(session, tenant, offer_id)
    if offer is None:
        raise NotFound("no such offer", type_name="offer-not-found")
    offer.revoked_at = offer.revoked_at or now
    audit.record(
        session,
        actor=actor,
        action="offer.revoke",
        target_type="offer",
        target_id=str(offer.id),
        tenant_id=tenant.id,
    )
    return offer


# -- redeeming an offer --------------------------------------------------------------------------------
def tx_code_matches(offer: CredentialOffer, tx_code: str, now: dt.datetime) -> bool:
    """Check the offer's transaction code; a wrong one counts as an attempt, and after
    ``TX_CODE_ATTEMPTS`` of them the offer is burnt (revoked)."""
    if offer.tx_code_hash is not None and hmac.compare_digest(
        tx_code_hash(offer.id, tx_code), offer.tx_code_hash
    ):
        return True
    offer.tx_code_attempts += 1
    if offer.tx_code_attempts >= TX_CODE_ATTEMPTS:
        offer.revoked_at = now  # too many guesses: the offer is burnt
    return False


def grant_access_token(
    session: Session,
    tenant: Tenant,
    offer: CredentialOffer,
    proof: DpopProof | None,
    now: dt.datetime,
    *,
    audit_details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Redeem the offer: its access token (stored hashed), bound to the DPoP proof's key if any."""
    token = secrets.token_urlsafe(32)
    offer.redeemed_at = now
    offer.access_token_hash = secret_hash(token)
    offer.access_token_expires_at = now + TOKEN_TTL
    offer.dpop_jkt = proof.jkt if proof is not None else None
    token_type = "DPoP" if proof is not None else "Bearer"
    audit.record(
        session,
        actor=None,
        action="offer.redeem",
        target_type="offer",
        target_id=str(offer.id),
        tenant_id=tenant.id,
        details={"token_type": token_type, **(audit_details or {})},
    )
    data = {"issuer": tenant.slug, "offer_id": str(offer.id), "credential_id": str(offer.credential_id)}
    webhooks.emit(session, tenant, "offer.redeemed", data, now=now)
    return {"access_token": token, "token_type": token_type, "expires_in": int(TOKEN_TTL.total_seconds())}
