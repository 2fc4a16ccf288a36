"""IETF Token Status List tokens for SD-JWT VCs, fed by the same allocator and status changes as the
Bitstring lists.

Expiry and caching (TSL §5.1, §13.7 "Expiry and Caching"): ``ttl`` is the service's status cache
age (``status_list_max_age_seconds``, the ``Cache-Control: max-age`` the list is served with), so a
relying party that caches for ``ttl`` sees a status change as soon as a fresh copy would. ``exp`` is
``iat`` + :data:`TOKEN_VALIDITY` (one day): the token is signed when its list changes and re-signed
when half of that validity has passed (:func:`refresh_due`), so a served token always has at least
12 hours to run, far more than any ``ttl``, and a copy held by an offline relying party stops being
relied on a day after it was signed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from app.db.models import StatusList, Tenant
from app.keys.x5c import CertificateAuthority, x5c_signer
from app.keystore import KeyCustody
from app.settings import Settings
from app.urls import issuer_identifier, tsl_url
from proofs.token_status_list import encode_status_list, status_list_token

__all__ = ["TOKEN_VALIDITY", "refresh_due", "token_status_list"]

TOKEN_VALIDITY = dt.timedelta(days=1)


def refresh_due(signed_at: dt.datetime, now: dt.datetime) -> bool:
    """Whether a token signed at ``signed_at`` has used half its validity and is signed anew."""
    if signed_at.tzinfo is None:  # SQLite keeps naive UTC
        signed_at = signed_at.replace(tzinfo=dt.UTC)
    return now >= signed_at + TOKEN_VALIDITY / 2


def token_status_list(
    session: Session,
    settings: Settings,
    custody: KeyCustody,
    ca: CertificateAuthority,
    tenant: Tenant,
    status_list: StatusList,
    *,
    now: dt.datetime,
) -> str:
    """The Status List Token (``statuslist+jwt``, 2 bits: 1 revoked / INVALID, 2 suspended), LSB-first,
    issued at ``now`` and valid for :data:`TOKEN_VALIDITY`; ``ttl`` is left out when the service
    caches nothing (the draft wants a positive number)."""
    values = bytearray(status_list.size)
    for purpose_bits, value in ((status_list.suspension_bits, 2), (status_list.revocation_bits, 1)):
        for byte_index, byte in enumerate(purpose_bits):
            if byte:
                for bit in range(8):
                    if byte & (0x80 >> bit):
                        values[byte_index * 8 + bit] = value
    signer, x5c = x5c_signer(session, settings, custody, ca, tenant)
    return status_list_token(
        sub_uri=tsl_url(settings, tenant, status_list),
        iss=issuer_identifier(settings, tenant),
        lst=encode_status_list(list(values), 2),
        iat=int(now.timestamp()),
        exp=int((now + TOKEN_VALIDITY).timestamp()),
        ttl=settings.status_list_max_age_seconds or None,
        key=signer,
        kid_or_x5c_header={"x5c": x5c},
    )
