"""The verifier's identity in OpenID4VP 1.0 (§5.9 Client Identifier Prefixes) as HAIP 1.0 asks: a signed
request object (JAR, RFC 9101, ``typ`` ``oauth-authz-req+jwt``) carrying an ``x5c`` chain, and a client
identifier with the ``x509_hash`` prefix (base64url SHA-256 of the leaf certificate's DER) or the
``x509_san_dns`` prefix (a DNS name among the leaf's subjectAltName entries).

The leaf is issued by the deployment's CA for the tenant's P-256 key (the key that signs its SD-JWT
VCs), with the host of the public base URL as dNSName and the issuer identifier as URI; an imported
certificate chain of that key is used instead when there is one. HAIP: the trust anchor is not
included, so ``x5c`` holds the leaf (and any intermediates). The identity is fixed on the request row at
creation, so that the ``client_id`` a wallet binds its presentation to (``aud``) does not depend on the
process that answers it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography import x509
from sqlalchemy.orm import Session

from app.db.models import SigningKey, Tenant
from app.errors import Conflict
from app.keys import service as keys
from app.keys.x5c import CertificateAuthority
from app.keystore import KeyCustody
from app.oid4vp.errors import RequestGone
from app.settings import Settings
from app.urls import issuer_identifier
from proofs.keys import KeyAlgorithm, PublicKey
from proofs.multibase import b64url_encode
from proofs.signer import Signer
from proofs.x509 import certificate_public_key, issue_leaf, x5c_chain

__all__ = ["CLIENT_ID_PREFIXES", "VerifierIdentity", "request_signer", "verifier_identity"]

CLIENT_ID_PREFIXES = ("x509_hash", "x509_san_dns")
_LEAF_DAYS = 365


@dataclass(frozen=True)
class VerifierIdentity:
    client_id: str
    x5c: list[str]


def _active_row(session: Session, tenant: Tenant) -> SigningKey:
    row = keys.active_key(session, tenant, KeyAlgorithm.P256)
    if row is None:
        raise Conflict(
            "a verifier signs its requests with a P-256 key: "
            f'POST /v1/issuers/{tenant.slug}/keys {{"type": "P-256"}}',
            type_name="signing-key-missing",
        )
    return row


def _is_self_signed(der_b64: str) -> bool:
    certificate = x509.load_der_x509_certificate(base64.b64decode(der_b64))
    return bool(certificate.issuer == certificate.subject)


def verifier_identity(
    session: Session,
    settings: Settings,
    ca: CertificateAuthority,
    tenant: Tenant,
    *,
    prefix: str,
    now: dt.datetime,
) -> VerifierIdentity:
    """The tenant's verifier identity for a new request: its ``x5c`` (leaf first, no trust anchor) and
    its client identifier with ``prefix``."""
    row = _active_row(session, tenant)
    host = urlsplit(settings.public_base_url).hostname or "localhost"
    if row.certificate_chain:
        chain = list(row.certificate_chain)
        if len(chain) > 1 and _is_self_signed(chain[-1]):
            chain = chain[:-1]
    else:
        leaf = issue_leaf(
            ca.key,
            ca.der,
            PublicKey.from_jwk(row.public_jwk),
            subject_name=f"{tenant.name} (verifier)",
            san_uri=issuer_identifier(settings, tenant),
            san_dns=host,
            not_before=now - dt.timedelta(days=1),
            not_after=now + dt.timedelta(days=_LEAF_DAYS),
            country=str(tenant.address.get("addressCountryCode") or "") or None,
        )
        chain = x5c_chain([leaf])
    if prefix == "x509_san_dns":
        leaf_cert = x509.load_der_x509_certificate(base64.b64decode(chain[0]))
        try:
            names = leaf_cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            dns_names = names.get_values_for_type(x509.DNSName)
        except x509.ExtensionNotFound:
            dns_names = []
        if host not in dns_names:  # the wallet would refuse it (OpenID4VP 1.0 §5.9.3)
            raise Conflict(
                f"x509_san_dns needs {host} among the DNS names of the key's certificate; "
                "use x509_hash, or import a certificate that names it",
                type_name="verifier-certificate-mismatch",
            )
        return VerifierIdentity(f"x509_san_dns:{host}", chain)
    digest = hashlib.sha256(base64.b64decode(chain[0])).digest()
    return VerifierIdentity(f"x509_hash:{b64url_encode(digest)}", chain)


def request_signer(session: Session, custody: KeyCustody, tenant: Tenant, x5c: list[str]) -> Signer:
    """The tenant's active P-256 signer, which signs its request objects: the key of the request's
    certificate (``x5c``, fixed at creation); a key rotated since leaves the request unusable."""
    row = _active_row(session, tenant)
    if certificate_public_key(base64.b64decode(x5c[0])) != PublicKey.from_jwk(row.public_jwk):
        raise RequestGone(
            "the verifier's signing key has changed since the request was made: make a new request",
            reason="verifier-key-changed",
        )
    return keys.signer_for(custody, row)
