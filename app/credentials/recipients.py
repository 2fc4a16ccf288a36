"""A credential's recipient: the identity it names (a DID as is, an email or other identifier as a salted
hash, OB 3.0 ``IdentityObject``) and the keyed lookup hash that finds a learner's credentials without
storing the identifier itself."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

from app.credentials.context import IssueContext
from app.db.models import Tenant
from app.errors import ValidationFailed
from issuer.build import Recipient, identity_hash
from schemas.api import RecipientIn

__all__ = ["identity_of", "lookup_for", "query_lookup", "recipient_lookup", "subject"]


def recipient_lookup(lookup_key: bytes, tenant_id: uuid.UUID, kind: str, value: str) -> str:
    """Keyed hash used to find a learner's credentials without storing the identifier itself."""
    msg = f"{tenant_id}|{kind}|{value}".encode()
    return hmac.new(lookup_key, msg, hashlib.sha256).hexdigest()


def _normalize_identity(recipient: RecipientIn) -> tuple[str, str]:
    if recipient.id:
        return "id", recipient.id
    if recipient.email:
        return "emailAddress", recipient.email.strip().lower()
    if recipient.identifier is None:
        raise ValidationFailed("recipient needs an id, email or identifier", type_name="invalid-recipient")
    return recipient.identifier_type, recipient.identifier.strip()


def identity_of(recipient: RecipientIn) -> tuple[str, str]:
    """The recipient's identity as credentials name it: ("id", the DID) or (the OB 3.0 identityType,
    the normalized value)."""
    return _normalize_identity(recipient)


def lookup_for(ctx: IssueContext, tenant: Tenant, recipient: RecipientIn) -> str:
    """The lookup hash of ``recipient`` at ``tenant``."""
    kind, value = _normalize_identity(recipient)
    return recipient_lookup(ctx.lookup_key, tenant.id, "id" if kind == "id" else "identifier", value)


def query_lookup(ctx: IssueContext, tenant: Tenant, recipient: str) -> str:
    """The lookup hash of a recipient named in a query: a DID, an email address or another identifier."""
    probe = RecipientIn(id=recipient) if ":" in recipient and "@" not in recipient else None
    if probe is None:
        probe = RecipientIn(email=recipient) if "@" in recipient else RecipientIn(identifier=recipient)
    return lookup_for(ctx, tenant, probe)


def subject(recipient: RecipientIn) -> tuple[Recipient, str]:
    """The credential subject's identity and the reference kept on the credential row (the DID, or the
    identity hash)."""
    kind, value = _normalize_identity(recipient)
    if kind == "id":
        return Recipient(id=value, given_name=recipient.given_name, family_name=recipient.family_name), value
    salt = secrets.token_hex(8)
    hashed = identity_hash(value, salt)
    identity = {
        "type": "IdentityObject",
        "identityType": kind,
        "hashed": True,
        "identityHash": hashed,
        "salt": salt,
    }
    return (
        Recipient(
            identifiers=(identity,), given_name=recipient.given_name, family_name=recipient.family_name
        ),
        hashed,
    )
