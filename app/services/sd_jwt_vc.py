"""SD-JWT VC for the EUDI Wallet: the EU Learning Credential projection of an issued micro-credential,
signed ES256 with the tenant's P-256 key, ``x5c`` chaining to the service's CA, revocation through the
IETF Token Status List fed by the same allocator and status changes as the Bitstring lists.

The development CA key is derived from the key-encryption key (so it is stable and never stored);
a production deployment would import the institution's certificate chain instead.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from app.db.models import SigningKey, StatusList, Tenant
from app.errors import Conflict, ValidationFailed
from app.keystore import KeyCustody
from app.services import keys
from app.settings import Settings
from issuer.sd_jwt_vc import (
    ProjectionError,
    integrity,
    learning_credential_claims,
    micro_credential_claims,
    micro_credential_type_metadata,
    micro_credential_vct,
    type_metadata_bytes,
)
from proofs.keys import KeyAlgorithm, PrivateKey, PublicKey
from proofs.sd_jwt import issue_sd_jwt
from proofs.signer import Signer
from proofs.token_status_list import encode_status_list, status_list_token
from proofs.x509 import issue_leaf, make_ca, pem_chain, x5c_chain

__all__ = [
    "SD_JWT_FORMATS",
    "CertificateAuthority",
    "issue_learning_credential",
    "token_status_list",
    "tsl_url",
    "type_metadata",
    "x5c_signer",
]

MEDIA_TYPE = "application/dc+sd-jwt"
MICRO_CREDENTIAL_FORMAT = "dc+sd-jwt:micro-credential"
# The issuance formats that make SD-JWT VCs: the EU Learning Credential, and Shomei's own type
SD_JWT_FORMATS = frozenset({"dc+sd-jwt", MICRO_CREDENTIAL_FORMAT})
_EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@dataclass
class CertificateAuthority:
    """The development CA: its key comes from the KEK; leaf certificates are cached per signing key."""

    key: PrivateKey
    der: bytes
    _leaves: dict[str, bytes] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_kek(cls, kek: bytes, *, name: str = "Shomei development CA") -> CertificateAuthority:
        secret = hmac.new(kek, b"shomei/dev-ca/p256/v1", hashlib.sha256).digest()
        key = PrivateKey.from_raw_secret(KeyAlgorithm.P256, secret)
        der = make_ca(name, key, not_before=_EPOCH, not_after=_EPOCH + dt.timedelta(days=3650), path_length=0)
        return cls(key, der)

    @property
    def pem(self) -> str:
        return pem_chain(self.der)

    def chain_for(self, settings: Settings, tenant: Tenant, row: SigningKey) -> list[str]:
        """``x5c``: the chain imported for the key, else a leaf from this CA (SAN URI = the issuer
        identifier) followed by the CA."""
        if row.certificate_chain:
            return list(row.certificate_chain)
        with self._lock:
            leaf = self._leaves.get(str(row.id))
            if leaf is None:
                leaf = issue_leaf(
                    self.key,
                    self.der,
                    PublicKey.from_jwk(row.public_jwk),
                    subject_name=tenant.name,
                    san_uri=issuer_identifier(settings, tenant),
                    not_before=_EPOCH,
                    not_after=_EPOCH + dt.timedelta(days=1825),
                    country=str(tenant.address.get("addressCountryCode") or "") or None,
                )
                self._leaves[str(row.id)] = leaf
        return x5c_chain([leaf, self.der])


def issuer_identifier(settings: Settings, tenant: Tenant) -> str:
    return f"{settings.public_base_url}/issuers/{tenant.slug}"


@functools.cache
def type_metadata(public_base_url: str) -> tuple[str, bytes, str]:
    """Shomei's own type: its ``vct`` URL, the exact Type Metadata bytes served there, and their
    ``vct#integrity``."""
    vct = micro_credential_vct(public_base_url)
    body = type_metadata_bytes(micro_credential_type_metadata(vct))
    return vct, body, integrity(body)


def tsl_url(settings: Settings, tenant: Tenant, status_list: StatusList) -> str:
    return f"{settings.public_base_url}/status/{tenant.slug}/{status_list.sequence}/tsl"


def x5c_signer(
    session: Session, settings: Settings, custody: KeyCustody, ca: CertificateAuthority, tenant: Tenant
) -> tuple[Signer, list[str]]:
    """The tenant's active P-256 signer and its ``x5c`` chain: what signs SD-JWT VCs, Token Status
    Lists and signed OpenID4VCI metadata (HAIP: ES256 with an X.509 chain)."""
    row = keys.active_key(session, tenant, KeyAlgorithm.P256)
    if row is None:
        raise Conflict(
            f'dc+sd-jwt needs an active P-256 key: POST /v1/issuers/{tenant.slug}/keys {{"type": "P-256"}}',
            type_name="signing-key-missing",
        )
    return keys.signer_for(custody, row), ca.chain_for(settings, tenant, row)


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
    country = str(tenant.address.get("addressCountryCode") or "")
    try:
        if fmt == MICRO_CREDENTIAL_FORMAT:
            vct, _body, vct_integrity = type_metadata(settings.public_base_url)
            claims, disclosable = micro_credential_claims(
                unsigned, issuer_url=issuer, issuer_country=country, vct=vct
            )
            claims["vct#integrity"] = vct_integrity
        else:
            claims, disclosable = learning_credential_claims(
                unsigned, issuer_url=issuer, issuer_country=country
            )
    except ProjectionError as exc:
        raise ValidationFailed(str(exc), type_name="sd-jwt-projection-failed") from None
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
