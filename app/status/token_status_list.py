"""IETF Token Status List tokens for SD-JWT VCs, fed by the same allocator and status changes as the
Bitstring lists."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from app.db.models import StatusList, Tenant
from app.keys.x5c import CertificateAuthority, x5c_signer
from app.keystore import KeyCustody
from app.settings import Settings
from app.urls import issuer_identifier, tsl_url
from proofs.token_status_list import encode_status_list, status_list_token

__all__ = ["token_status_list"]


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
    """The Status List Token (``statuslist+jwt``, 2 bits: 1 revoked / INVALID, 2 suspended), LSB-first."""
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
        exp=None,
        ttl=settings.status_list_max_age_seconds,
        key=signer,
        kid_or_x5c_header={"x5c": x5c},
    )
