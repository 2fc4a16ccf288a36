"""SD-JWT VC for the EUDI Wallet: the EU Learning Credential projection of an issued micro-credential,
signed ES256 with the tenant's P-256 key, ``x5c`` chaining to the service's CA, revocation through the
IETF Token Status List fed by the same allocator and status changes as the Bitstring lists.

The development CA key is derived from the key-encryption key (so it is stable and never stored);
a production deployment would import the institution's certificate chain instead.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from app.db.models import Tenant
from app.errors import ValidationFailed
from app.keys.x5c import CertificateAuthority, x5c_signer
from app.keystore import KeyCustody
from app.settings import Settings
from app.urls import issuer_identifier
from issuer.sd_jwt_vc import (
    ProjectionError,
    integrity,
    learning_credential_claims,
    micro_credential_claims,
    micro_credential_type_metadata,
    micro_credential_vct,
    type_metadata_bytes,
)
from proofs.sd_jwt import issue_sd_jwt

__all__ = ["MEDIA_TYPE", "SD_JWT_FORMATS", "check_projection", "issue_learning_credential", "type_metadata"]

MEDIA_TYPE = "application/dc+sd-jwt"


_MICRO_CREDENTIAL_FORMAT = "dc+sd-jwt:micro-credential"


# The issuance formats that make SD-JWT VCs: the EU Learning Credential, and Shomei's own type
SD_JWT_FORMATS = frozenset({"dc+sd-jwt", _MICRO_CREDENTIAL_FORMAT})


@functools.cache
def type_metadata(public_base_url: str) -> tuple[str, bytes, str]:
    """Shomei's own type: its ``vct`` URL, the exact Type Metadata bytes served there, and their
    ``vct#integrity``."""
    vct = micro_credential_vct(public_base_url)
    body = type_metadata_bytes(micro_credential_type_metadata(vct))
    return vct, body, integrity(body)


def _claims(
    settings: Settings, tenant: Tenant, unsigned: Mapping[str, Any], fmt: str
) -> tuple[dict[str, Any], set[str]]:
    """The claims of ``fmt``'s type for ``unsigned`` and the disclosable ones (``vct#integrity``
    pinned for Shomei's own type); a credential that lacks what the type needs is a 422 problem."""
    issuer = issuer_identifier(settings, tenant)
    country = str(tenant.address.get("addressCountryCode") or "")
    try:
        if fmt == _MICRO_CREDENTIAL_FORMAT:
            vct, _body, vct_integrity = type_metadata(settings.public_base_url)
            claims, disclosable = micro_credential_claims(
                unsigned,
                issuer_url=issuer,
                issuer_country=country,
                vct=vct,
                allow_http=settings.http_issuer_allowed,
            )
            claims["vct#integrity"] = vct_integrity
            return claims, disclosable
        return learning_credential_claims(
            unsigned, issuer_url=issuer, issuer_country=country, allow_http=settings.http_issuer_allowed
        )
    except ProjectionError as exc:
        raise ValidationFailed(str(exc), type_name="sd-jwt-projection-failed") from None


def check_projection(settings: Settings, tenant: Tenant, unsigned: Mapping[str, Any], *, fmt: str) -> None:
    """Refuse (``sd-jwt-projection-failed``) a credential ``fmt``'s SD-JWT VC type cannot carry."""
    _claims(settings, tenant, unsigned, fmt)


def issue_learning_credential(
    session: Session,
    settings: Settings,
    custody: KeyCustody,
    ca: CertificateAuthority,
    tenant: Tenant,
    unsigned: dict[str, Any],
    *,
    now: dt.datetime,
    holder_jwk: dict[str, Any] | None = None,
    fmt: str = "dc+sd-jwt",
) -> str:
    """The SD-JWT VC of an unsigned OB 3.0 credential, personal claims disclosable: the EU Learning
    Credential for ``dc+sd-jwt``, Shomei's own type (with ``vct#integrity``) for
    ``dc+sd-jwt:micro-credential``."""
    issuer = issuer_identifier(settings, tenant)
    claims, disclosable = _claims(settings, tenant, unsigned, fmt)
    claims.update({"iss": issuer, "iat": int(now.timestamp())})
    valid_until = unsigned.get("validUntil")
    if isinstance(valid_until, str):
        claims["exp"] = int(dt.datetime.fromisoformat(valid_until.replace("Z", "+00:00")).timestamp())
    entries = unsigned.get("credentialStatus") or []
    entries = entries if isinstance(entries, list) else [entries]
    revocation = next((e for e in entries if e.get("statusPurpose") == "revocation"), None)
    if revocation is not None:
        uri = str(revocation["statusListCredential"]).rsplit("/", 1)[0] + "/tsl"
        claims["status"] = {"status_list": {"idx": int(revocation["statusListIndex"]), "uri": uri}}
    if holder_jwk is not None:
        claims["cnf"] = {"jwk": holder_jwk}
    signer, x5c = x5c_signer(session, settings, custody, ca, tenant)
    header = {"typ": "dc+sd-jwt", "alg": "ES256", "x5c": x5c}
    return issue_sd_jwt(claims, disclosable=disclosable, key=signer, header=header)
