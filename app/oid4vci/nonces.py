"""The nonce endpoint's ``c_nonce`` values (OpenID4VCI §7): fresh, single use, short-lived
(``NONCE_TTL``) and stored hashed; a key proof spends the one it names."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy.orm import Session

from app.db.models import Tenant
from app.oid4vci import repository
from app.oid4vci.codes import secret_hash
from app.oid4vci.errors import OAuthError

__all__ = ["consume_nonce", "new_nonce"]

NONCE_TTL = dt.timedelta(minutes=5)


def new_nonce(session: Session, tenant: Tenant, *, now: dt.datetime) -> str:
    """Nonce endpoint (OpenID4VCI §7): a fresh single-use ``c_nonce``."""
    repository.delete_expired_nonces(session, now)
    nonce = secrets.token_urlsafe(24)
    repository.add_nonce(session, tenant, secret_hash(nonce), now + NONCE_TTL)
    return nonce


def consume_nonce(session: Session, tenant: Tenant, nonce: Any, now: dt.datetime) -> None:
    """Spend the ``c_nonce`` a key proof names: ``invalid_nonce`` when there is none, or it is unknown,
    used or expired."""
    if not isinstance(nonce, str):
        raise OAuthError("invalid_nonce", "the key proof has no c_nonce")
    if not repository.consume_nonce(session, tenant, secret_hash(nonce), now):
        raise OAuthError("invalid_nonce", "the c_nonce is unknown, used or expired")
