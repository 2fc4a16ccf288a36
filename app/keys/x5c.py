"""The x5c chains of SD-JWT VCs, Status List Tokens and signed metadata: the development CA
(its key derived from the KEK, never stored) and the signer that puts a tenant's chain in the header."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import threading
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.db.models import SigningKey, Tenant
from app.errors import Conflict
from app.keys import service as keys
from app.keystore import KeyCustody
from app.settings import Settings
from app.urls import issuer_identifier
from proofs.keys import KeyAlgorithm, PrivateKey, PublicKey
from proofs.signer import Signer
from proofs.x509 import issue_leaf, make_ca, pem_chain, x5c_chain

__all__ = ["CertificateAuthority", "x5c_signer"]

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
        """``x5c``: the chain imported for the key (without its root), else a leaf from this CA (SAN URI
        = the issuer identifier) alone. The CA is the trust anchor, which HAIP (and RFC 9360's advice)
        says must not be sent: relying parties hold it (``/ca.pem``) and chain the leaf to it."""
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
        return x5c_chain([leaf])


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
